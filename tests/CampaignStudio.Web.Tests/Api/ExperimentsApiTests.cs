using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Features.Experiments.Uplift;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class ExperimentsApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private const string HillstromPath = "/work/shared/data/hillstrom.csv";

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static MultipartFormDataContent Form(byte[] csv, string fileName, params (string Key, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        foreach (var (key, value) in fields)
        {
            form.Add(new StringContent(value), key);
        }

        return form;
    }

    [Fact]
    public async Task HillstromPostedAsAFileBecomesAnExperimentWhoseAnalysisMatchesStatsmodels()
    {
        var marketer = await ClientAsync("marketer@demo.local");

        var created = await marketer.PostAsync("/api/experiments/import", Form(await File.ReadAllBytesAsync(HillstromPath), "hillstrom.csv", ("name", "Hillstrom e-mail test")));

        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("experimentId").GetInt32();
        body.RootElement.GetProperty("rows").GetInt32().ShouldBe(64_000);
        body.RootElement.GetProperty("mapping").GetProperty("controlArm").GetString().ShouldBe("No E-Mail");

        // A manager reads the analysis. Reference: tests/CampaignStudio.Analytics.Tests/reference/hillstrom_reference.py (statsmodels proportions_ztest).
        var manager = await ClientAsync("manager@demo.local");
        using var analysis = JsonDocument.Parse(await manager.GetStringAsync($"/api/experiments/{id}/analysis?metric=Visit&cuped=false"));
        var arms = analysis.RootElement.GetProperty("analysis").GetProperty("arms");
        arms.EnumerateArray().Select(a => a.GetProperty("name").GetString()).ShouldBe(["No E-Mail", "Mens E-Mail", "Womens E-Mail"]);
        var mens = arms[1].GetProperty("vsControl");
        mens.GetProperty("statistic").GetDouble().ShouldBe(22.48604082719282, 1e-6);
        mens.GetProperty("absoluteLiftCi").GetProperty("lower").GetDouble().ShouldBe(0.06995350121810838, 1e-6);
        mens.GetProperty("absoluteLiftCi").GetProperty("upper").GetDouble().ShouldBe(0.08322562608495411, 1e-6);
        mens.GetProperty("verdict").GetString().ShouldBe("Winner");
        analysis.RootElement.GetProperty("analysis").GetProperty("sampleRatio").GetProperty("warning").GetBoolean().ShouldBeFalse();
        analysis.RootElement.GetProperty("cupedAvailable").GetBoolean().ShouldBeTrue();

        var dashboard = await manager.GetStringAsync("/api/experiments");
        dashboard.ShouldContain("Hillstrom e-mail test");
    }

    [Fact]
    public async Task ABadFileIsRefusedWithItsLineAndColumnAndNothingIsCreated()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var before = await marketer.GetStringAsync("/api/experiments");

        var response = await marketer.PostAsync("/api/experiments/import",
            Form("group,bought\nA,1\nB,0\nB,maybe\n"u8.ToArray(), "bad.csv", ("armColumn", "group"), ("controlArm", "A"), ("conversionColumn", "bought")));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Line 4, column 'bought': 'maybe' is not 0/1");
        (await marketer.GetStringAsync("/api/experiments")).ShouldBe(before);

        var notMultipart = await marketer.PostAsync("/api/experiments/import", new StringContent("segment,conversion", Encoding.UTF8, "text/csv"));
        notMultipart.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UpliftScoresComeAsCsvWithOneRowPerCustomerAndNoSpreadsheetFormulas()
    {
        // A small synthetic test whose treated arm name would be a formula in a spreadsheet.
        const string Formula = "=HYPERLINK(\"http://evil.example\")";
        var rng = new Random(3);
        var csv = new StringBuilder("customer_id,arm,age,channel,converted\n");
        for (var i = 0; i < 1_200; i++)
        {
            var treated = rng.NextDouble() < 0.5;
            var age = rng.Next(18, 80);
            var converted = rng.NextDouble() < 0.05 + (treated && age < 40 ? 0.1 : 0);
            csv.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "=1+1" : $"K-{i}")},{(treated ? "\"=HYPERLINK(\"\"http://evil.example\"\")\"" : "control")},{age},{(i % 3 == 0 ? "web" : "phone")},{(converted ? 1 : 0)}\n");
        }

        var marketer = await ClientAsync("marketer@demo.local");
        var created = await marketer.PostAsync("/api/experiments/import", Form(Encoding.UTF8.GetBytes(csv.ToString()), "small.csv", ("controlArm", "control"), ("armColumn", "arm")));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
        (await marketer.GetAsync($"/api/experiments/{id}/uplift-scores.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
            await await scope.ServiceProvider.GetRequiredService<UpliftService>().StartAsync(id, new UpliftRequest(NumberOfTrees: 20, Folds: 2));
        }

        var manager = await ClientAsync("manager@demo.local");
        var response = await manager.GetAsync($"/api/experiments/{id}/uplift-scores.csv");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        lines.Count.ShouldBe(1_201);
        lines[0].ShouldBe("row,customer_id,external_id,file_id,arm,outcome,uplift_t_learner,uplift_x_learner,uplift_class_transformation,purchase_propensity");
        lines.Skip(1).ShouldAllBe(l => !l.Contains(",=", StringComparison.Ordinal) && !l.Contains(",\"=", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("'" + Formula.Replace("\"", "\"\"", StringComparison.Ordinal), StringComparison.Ordinal));
        var scores = lines.Skip(1).Select(l => l.Split(',')[^4]).ToList();
        scores.Count(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var _)).ShouldBe(1_200);

        // The file's id column comes back with every row, formula-safe too.
        lines.Skip(1).Select(l => l.Split(',')[3]).ShouldBe(Enumerable.Range(0, 1_200).Select(i => i == 0 ? "'=1+1" : $"K-{i}"));
    }
}
