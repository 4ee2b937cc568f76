using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CampaignStudio.TestSupport.Web;

/// <summary>A finished experiment imported through the results-CSV API: a Control, a Big arm and a Small arm of four customers.</summary>
public static class SmallArmExperiment
{
    /// <summary>
    /// Imports it with a Marketer's API key; <paramref name="bigArms"/> customers in Control and Big, every
    /// <paramref name="convertEvery"/>-th of them converted. Returns the experiment id.
    /// </summary>
    public static async Task<int> ImportAsync(HttpClient marketer, string name, int bigArms, int convertEvery)
    {
        var csv = new StringBuilder("group,bought\n");
        foreach (var (arm, n) in new[] { ("Control", bigArms), ("Small", 4), ("Big", bigArms) })
        {
            for (var i = 0; i < n; i++)
            {
                csv.Append(arm).Append(',').Append(i % convertEvery == 0 ? 1 : 0).Append('\n');
            }
        }

        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "small-arm.csv");
        foreach (var (key, value) in new[] { ("name", name), ("armColumn", "group"), ("controlArm", "Control"), ("conversionColumn", "bought") })
        {
            form.Add(new StringContent(value), key);
        }

        var created = await marketer.PostAsync("/api/experiments/import", form);
        var body = await created.Content.ReadAsStringAsync();
        created.IsSuccessStatusCode.ShouldBeTrue(body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("experimentId").GetInt32();
    }
}
