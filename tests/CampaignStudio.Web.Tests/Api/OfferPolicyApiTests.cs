using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Features.Experiments.Offers;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class OfferPolicyApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The offer routes that change something; each test below shows a manager gets 403 on it.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes =
    [
        ("POST", "/api/experiments/{id:int}/policy"),
        ("PUT", "/api/settings/gross-margin"),
    ];

    private const string Costs = """{"margin":0.40,"arms":{"Mail":{"discount":0,"messageCost":0.01,"redemptionCost":0},"10 % off":{"discount":0.10,"messageCost":0.01,"redemptionCost":0},"20 % off":{"discount":0.20,"messageCost":0.01,"redemptionCost":0}}}""";

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static MultipartFormDataContent Form(string csv, params (string Key, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        foreach (var (key, value) in fields)
        {
            form.Add(new StringContent(value), key);
        }

        return form;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<int> ImportAsync(HttpClient marketer, string csv, params (string Key, string Value)[] fields)
    {
        var created = await marketer.PostAsync("/api/experiments/import", Form(csv, [("armColumn", "offer"), ("controlArm", OfferShopCsv.NoMessage), .. fields]));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
    }

    [Fact]
    public async Task AFourOfferFileTrainsAPolicyThatIsProvenAndExportedForEveryRowWithTheFilesIds()
    {
        const int Customers = 12_000;
        var csv = OfferShopCsv.Create(Customers, seed: 5);
        var marketer = await ClientAsync("marketer@demo.local");
        var manager = await ClientAsync("manager@demo.local");
        var id = await ImportAsync(marketer, csv, ("id", "customer_id"));

        (await manager.PostAsync($"/api/experiments/{id}/policy", Json(Costs))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.GetAsync($"/api/experiments/{id}/policy")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var started = await marketer.PostAsync($"/api/experiments/{id}/policy", Json(Costs));

        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        started.Headers.Location!.OriginalString.ShouldBe($"/api/experiments/{id}/policy");
        await app.Services.GetRequiredService<OfferPolicyJobs>().Completion(id)!;

        var read = await manager.GetAsync($"/api/experiments/{id}/policy");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        var root = body.RootElement;
        root.GetProperty("status").GetString().ShouldBe("done", root.ToString());
        root.GetProperty("customers").GetInt32().ShouldBe(Customers);
        root.GetProperty("margin").GetDouble().ShouldBe(0.40);
        var arms = root.GetProperty("arms").EnumerateArray().ToList();
        arms.Select(a => a.GetProperty("name").GetString()).ShouldBe([OfferShopCsv.NoMessage, "10 % off", "20 % off", "Mail"]);
        arms[0].GetProperty("sendsMessage").GetBoolean().ShouldBeFalse();
        arms[1].GetProperty("costs").GetProperty("discount").GetDouble().ShouldBe(0.10);
        arms.Sum(a => a.GetProperty("share").GetDouble()).ShouldBe(1, 1e-9);
        foreach (var value in arms.Select(a => a.GetProperty("value")).Append(root.GetProperty("learnedPolicy")).Append(root.GetProperty("noMessage")))
        {
            var ci = value.GetProperty("ci");
            ci.GetProperty("lower").GetDouble().ShouldBeLessThan(value.GetProperty("valuePerCustomer").GetDouble());
            ci.GetProperty("upper").GetDouble().ShouldBeGreaterThan(value.GetProperty("valuePerCustomer").GetDouble());
        }

        // Every kind of customer has a different best offer, strongly enough to prove at this size: the per-customer policy wins.
        var recommendation = root.GetProperty("recommendation");
        recommendation.GetProperty("useLearnedPolicy").GetBoolean().ShouldBeTrue(recommendation.ToString());
        recommendation.GetProperty("reason").GetString()!.ShouldStartWith("Choosing the offer per customer brings");
        root.GetProperty("gainOverBestArm").GetProperty("ci").GetProperty("lower").GetDouble().ShouldBeGreaterThan(0);
        arms.ShouldAllBe(a => a.GetProperty("share").GetDouble() > 0.05);

        var export = await manager.GetAsync($"/api/experiments/{id}/policy.csv");
        export.StatusCode.ShouldBe(HttpStatusCode.OK);
        export.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await export.Content.ReadAsStringAsync()).TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        lines[0].ShouldBe("customer_id,arm");
        lines.Count.ShouldBe(Customers + 1);
        lines.Skip(1).Select(l => l.Split(',')[0]).ShouldBe(Enumerable.Range(1, Customers).Select(i => $"S-{i:000000}"));
        lines.Skip(1).Select(l => l.Split(',', 2)[1]).Distinct().Order(StringComparer.Ordinal).ShouldBe(["10 % off", "20 % off", "Mail", OfferShopCsv.NoMessage]);

        // The result is a file beside the database: a restarted or second instance reads the same policy.
        var elsewhere = await new OfferPolicyStore(app.Services.GetRequiredService<DatabaseOptions>()).GetAsync(id);
        elsewhere.ShouldNotBeNull();
        elsewhere.Evaluation.Recommendation.Reason.ShouldBe(recommendation.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("{\"margin\":0.4,\"arms\":", "The body is not the JSON expected")]
    [InlineData("{\"arms\":{\"d15\":{\"discount\":0.15},\"Mail\":{\"messageCost\":0.01}}}", "The experiment has no arm named 'd15'; its arms are 'No message', '10 % off', '20 % off', 'Mail'.")]
    [InlineData("{\"margin\":1.5}", "The gross margin is a share of the order value above 0 and at most 1 (0.40 for 40 %); 1.5 is not.")]
    [InlineData("{\"margin\":0}", "The gross margin is a share of the order value above 0 and at most 1")]
    [InlineData("{\"arms\":{\"Mail\":{\"discount\":1.2}}}", "The discount of 'Mail' is a share of the order value from 0 up to (not including) 1")]
    public async Task ABadPolicyRequestIsRefusedWithASentence(string json, string expected)
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var id = await ImportAsync(marketer, OfferShopCsv.Create(600, seed: 2));

        var response = await marketer.PostAsync($"/api/experiments/{id}/policy", Json(json));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain(expected);
        (await marketer.GetAsync($"/api/experiments/{id}/policy")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnExperimentWithArmsTooSmallToLearnFromIsRefusedInWords()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var id = await ImportAsync(marketer, OfferShopCsv.Create(120, seed: 3));

        var response = await marketer.PostAsync($"/api/experiments/{id}/policy", Json(Costs));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Learning which offer suits whom needs at least 100 customers in every arm; 'No message' has ");
    }

    [Fact]
    public async Task TheImportKeepsCostsAndRefusesDuplicateIdsAndUnknownArmsCreatingNothing()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var before = await marketer.GetStringAsync("/api/experiments");

        var duplicate = await marketer.PostAsync("/api/experiments/import",
            Form("client,offer,converted\nA1,No message,1\nA2,Mail,0\nA1,Mail,1\n", ("armColumn", "offer"), ("controlArm", "No message"), ("id", "client")));
        duplicate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await duplicate.Content.ReadAsStringAsync()).ShouldContain("Lines 2 and 4, column 'client': the id 'A1' occurs twice");
        var noId = await marketer.PostAsync("/api/experiments/import",
            Form("id,offer,converted\nA1,No message,1\nA2,Mail,0\nA1,Mail,1\n", ("armColumn", "offer"), ("controlArm", "No message"), ("id", "(none)")));
        noId.StatusCode.ShouldBe(HttpStatusCode.Created, await noId.Content.ReadAsStringAsync());
        before = await marketer.GetStringAsync("/api/experiments");

        var unknownArm = await marketer.PostAsync("/api/experiments/import",
            Form(OfferShopCsv.Create(40, seed: 1), ("armColumn", "offer"), ("controlArm", "No message"), ("costs", "{\"arms\":{\"d30\":{\"discount\":0.3}}}")));
        unknownArm.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknownArm.Content.ReadAsStringAsync()).ShouldContain("The experiment has no arm named 'd30'");
        (await marketer.GetStringAsync("/api/experiments")).ShouldBe(before);

        var id = await ImportAsync(marketer, OfferShopCsv.Create(40, seed: 1), ("costs", Costs), ("margin", "0.35"));
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var experiment = db.Experiments.Where(e => e.Id == id).Select(e => new { e.GrossMargin, Arms = e.Variants.OrderBy(v => v.SortOrder).Select(v => new { v.Name, v.DiscountShare, v.MessageCost }).ToList() }).Single();
        experiment.GrossMargin.ShouldBe(0.35);
        experiment.Arms.Select(a => (a.Name, a.DiscountShare, a.MessageCost)).ShouldBe([(OfferShopCsv.NoMessage, 0.0, 0.0), ("10 % off", 0.10, 0.01), ("20 % off", 0.20, 0.01), ("Mail", 0.0, 0.01)]);
        db.Assignments.Where(a => a.ExperimentId == id).OrderBy(a => a.Id).Select(a => a.RowKey).First().ShouldBe("S-000001");
    }

    [Fact]
    public async Task TheShopsMarginIsASettingMarketersChangeAndManagersRead()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var manager = await ClientAsync("manager@demo.local");
        (await manager.GetFromJsonAsync<GrossMarginBody>("/api/settings/gross-margin"))!.Margin.ShouldBe(0.40);

        (await manager.PutAsync("/api/settings/gross-margin", Json("{\"margin\":0.3}"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var bad = await marketer.PutAsync("/api/settings/gross-margin", Json("{\"margin\":-0.1}"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("-0.1 is not");
        (await marketer.PutAsync("/api/settings/gross-margin", Json("{\"margin\":0.3}"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await manager.GetFromJsonAsync<GrossMarginBody>("/api/settings/gross-margin"))!.Margin.ShouldBe(0.3);
        (await marketer.PutAsync("/api/settings/gross-margin", Json("{\"margin\":0.4}"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var openApi = await manager.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/experiments/{id}/policy", "/api/experiments/{id}/policy.csv", "/api/experiments/{id}/policy/launch", "/api/settings/gross-margin" })
        {
            openApi.ShouldContain($"\"{path}\"");
        }

        // The bodies read by hand are still described, so a generated client sends the right shape.
        openApi.ShouldContain("\"ArmCostsInput\"");
        openApi.ShouldContain("\"PolicyLaunchRequest\"");

        openApi.ShouldContain("else the row's number in the experiment");
    }
}
