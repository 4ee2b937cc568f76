using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// Running experiments are read with always-valid intervals (confidence sequences) by default, finished ones with the
/// classical interval; both are in every answer, and the reader may switch with reading=sequential|fixed.
/// </summary>
public sealed class AlwaysValidReadingApiTests(AlwaysValidReadingApiTests.Studio app) : IClassFixture<AlwaysValidReadingApiTests.Studio>
{
    /// <summary>The studio on the fixed day (every test host starts there).</summary>
    public sealed class Studio : StudioAppFactory;

    private static readonly DateTime Start = StudioClock.DefaultStart.UtcDateTime.AddDays(-10);

    private ExperimentTestBuilder Builder => new(app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static (double Lower, double Upper) Interval(JsonElement e) => (e.GetProperty("lower").GetDouble(), e.GetProperty("upper").GetDouble());

    // 10 % against 12.5 % on 2,000 customers each: z ≈ 2.5, a winner for one planned look, not yet for a sequence read daily.
    private static readonly ArmRows[] ModestWinner = [new("Control", 2_000, 200, Days: 10), new("Mail", 2_000, 250, Days: 10)];

    [Fact]
    public async Task ARunningExperimentIsReadWithTheWiderAlwaysValidIntervalByDefaultAndAFinishedOneWithTheFixedOne()
    {
        var running = await Builder.RatesAsync("Running modest winner", ExperimentStatus.Running, Start, ModestWinner);
        var finished = await Builder.RatesAsync("Finished modest winner", ExperimentStatus.Finished, Start, ModestWinner);
        var manager = await ClientAsync("manager@demo.local");

        var live = await GetJsonAsync(manager, $"/api/experiments/{running}/analysis");

        live.GetProperty("reading").GetString().ShouldBe("Sequential");
        live.GetProperty("readingNote").GetString()!.ShouldStartWith("Always valid: you may look every day");
        var sequence = live.GetProperty("sequential");
        sequence.GetProperty("plannedSampleSize").GetInt64().ShouldBe(4_000);
        var mail = sequence.GetProperty("arms")[0];
        mail.GetProperty("name").GetString().ShouldBe("Mail");
        var alwaysValid = Interval(mail.GetProperty("alwaysValid"));
        var fixedHorizon = Interval(mail.GetProperty("fixedHorizon"));
        fixedHorizon.ShouldBe(Interval(live.GetProperty("analysis").GetProperty("arms")[1].GetProperty("vsControl").GetProperty("absoluteLiftCi")));
        mail.GetProperty("absoluteLift").GetDouble().ShouldBe(0.025, 1e-12);
        alwaysValid.Lower.ShouldBeLessThan(fixedHorizon.Lower);
        alwaysValid.Upper.ShouldBeGreaterThan(fixedHorizon.Upper);

        // The fixed interval excludes zero, the sequence does not: the verdict follows the sequence.
        fixedHorizon.Lower.ShouldBeGreaterThan(0);
        alwaysValid.Lower.ShouldBeLessThan(0);
        mail.GetProperty("verdict").GetString().ShouldBe("KeepRunning");
        live.GetProperty("verdict").GetString().ShouldBe("Keep running");

        var asked = await GetJsonAsync(manager, $"/api/experiments/{running}/analysis?reading=fixed");
        asked.GetProperty("reading").GetString().ShouldBe("Fixed");
        asked.GetProperty("verdict").GetString().ShouldBe("Winner");
        Interval(asked.GetProperty("sequential").GetProperty("arms")[0].GetProperty("alwaysValid")).ShouldBe(alwaysValid);

        var done = await GetJsonAsync(manager, $"/api/experiments/{finished}/analysis");
        done.GetProperty("reading").GetString().ShouldBe("Fixed");
        done.GetProperty("readingNote").GetString()!.ShouldStartWith("Fixed horizon");
        done.GetProperty("verdict").GetString().ShouldBe("Winner");
        (await GetJsonAsync(manager, $"/api/experiments/{finished}/analysis?reading=sequential")).GetProperty("verdict").GetString().ShouldBe("Keep running");

        // The dashboard: the same defaults, the shown interval first and both beside it.
        var rows = (await GetJsonAsync(manager, "/api/experiments")).EnumerateArray().ToList();
        var liveRow = rows.Single(r => r.GetProperty("id").GetInt32() == running);
        liveRow.GetProperty("reading").GetString().ShouldBe("Sequential");
        liveRow.GetProperty("verdict").GetString().ShouldBe("Keep running");
        liveRow.GetProperty("relativeLower").GetDouble().ShouldBe(liveRow.GetProperty("alwaysValidLower").GetDouble());
        liveRow.GetProperty("alwaysValidLower").GetDouble().ShouldBeLessThan(liveRow.GetProperty("fixedLower").GetDouble());
        liveRow.GetProperty("alwaysValidUpper").GetDouble().ShouldBeGreaterThan(liveRow.GetProperty("fixedUpper").GetDouble());
        var doneRow = rows.Single(r => r.GetProperty("id").GetInt32() == finished);
        doneRow.GetProperty("reading").GetString().ShouldBe("Fixed");
        doneRow.GetProperty("verdict").GetString().ShouldBe("Winner");
        doneRow.GetProperty("relativeLower").GetDouble().ShouldBe(doneRow.GetProperty("fixedLower").GetDouble());

        var allFixed = (await GetJsonAsync(manager, "/api/experiments?reading=fixed")).EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == running);
        allFixed.GetProperty("verdict").GetString().ShouldBe("Winner");
        (await manager.GetAsync("/api/experiments?reading=sometimes")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await manager.GetAsync($"/api/experiments/{running}/analysis?reading=sometimes")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AClearWinnerIsCalledByTheSequenceToo()
    {
        var running = await Builder.RatesAsync("Running clear winner", ExperimentStatus.Running, Start,
            new ArmRows("Control", 3_000, 300, Days: 10), new ArmRows("Mail", 3_000, 420, Days: 10));
        var manager = await ClientAsync("manager@demo.local");

        var live = await GetJsonAsync(manager, $"/api/experiments/{running}/analysis");

        live.GetProperty("reading").GetString().ShouldBe("Sequential");
        Interval(live.GetProperty("sequential").GetProperty("arms")[0].GetProperty("alwaysValid")).Lower.ShouldBeGreaterThan(0);
        live.GetProperty("verdict").GetString().ShouldBe("Winner");
    }

    [Fact]
    public async Task ASplitFarFromThePlanIsFlaggedByTheSequentialCheckAndAnEvenOneIsNot()
    {
        // Planned 50/50; 1,500 against 1,200 over five days. Lindon & Malek's Bayes factor over the daily looks: p ≈ 5e-7 < 0.001.
        var broken = await Builder.RatesAsync("Running broken split", ExperimentStatus.Running, Start,
            new ArmRows("Control", 1_500, 150, Days: 5), new ArmRows("Mail", 1_200, 120, Days: 5));
        var even = await Builder.RatesAsync("Running even split", ExperimentStatus.Running, Start,
            new ArmRows("Control", 1_350, 135, Days: 5), new ArmRows("Mail", 1_350, 135, Days: 5));
        var manager = await ClientAsync("manager@demo.local");

        var flagged = await GetJsonAsync(manager, $"/api/experiments/{broken}/analysis");
        var check = flagged.GetProperty("sequential").GetProperty("sampleRatio");
        check.GetProperty("mismatch").GetBoolean().ShouldBeTrue();
        check.GetProperty("pValue").GetDouble().ShouldBeLessThan(0.001);
        flagged.GetProperty("sampleRatioMismatch").GetBoolean().ShouldBeTrue();

        var fine = await GetJsonAsync(manager, $"/api/experiments/{even}/analysis");
        fine.GetProperty("sequential").GetProperty("sampleRatio").GetProperty("mismatch").GetBoolean().ShouldBeFalse();
        fine.GetProperty("sampleRatioMismatch").GetBoolean().ShouldBeFalse();

        var row = (await GetJsonAsync(manager, "/api/experiments")).EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == broken);
        row.GetProperty("sampleRatioMismatch").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task AHiddenSmallArmHasNoAlwaysValidNumbersEither()
    {
        var id = await SmallArmExperiment.ImportAsync(await ClientAsync("marketer@demo.local"), "Small arm, read daily", bigArms: 400, convertEvery: 5);
        var manager = await ClientAsync("manager@demo.local");

        var read = await GetJsonAsync(manager, $"/api/experiments/{id}/analysis?reading=sequential");

        read.GetProperty("hiddenArms").EnumerateArray().Select(a => a.GetString()).ShouldBe(["Small"]);
        var arms = read.GetProperty("sequential").GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!);
        arms["Small"].GetProperty("alwaysValid").GetProperty("lower").GetString().ShouldBe("NaN");
        arms["Small"].GetProperty("absoluteLift").GetString().ShouldBe("NaN");
        double.IsFinite(arms["Big"].GetProperty("alwaysValid").GetProperty("lower").GetDouble()).ShouldBeTrue();
        // With a small arm the split's p-value would help work out its size: hidden like the observed shares.
        read.GetProperty("sequential").GetProperty("sampleRatio").GetProperty("pValue").GetString().ShouldBe("NaN");
    }

    [Fact]
    public async Task AnAnswerWithHiddenNumbersIsWhatTheDocumentSays()
    {
        var id = await SmallArmExperiment.ImportAsync(await ClientAsync("marketer@demo.local"), "Small arm, held to the document", bigArms: 400, convertEvery: 5);
        var manager = await ClientAsync("manager@demo.local");
        var schemas = new OpenApiSchemas(JsonNode.Parse(await manager.GetStringAsync("/openapi/v1.json"))!.AsObject());
        var analysis = schemas.Operations().Single(o => o.Method == "GET" && o.Path == "/api/experiments/{id}/analysis").Operation;
        var media = analysis["responses"]!["200"]!["content"]!["application/json"]!.AsObject();

        // Hidden arms' numbers travel as "NaN" (and a lift against a control of 0 is NaN): a client generated from the document must read them.
        foreach (var reading in new[] { "sequential", "fixed" })
        {
            var body = await GetJsonAsync(manager, $"/api/experiments/{id}/analysis?reading={reading}");
            body.GetProperty("hiddenArms").GetArrayLength().ShouldBe(1);
            schemas.Problems(media, JsonNode.Parse(body.GetRawText())).ShouldBeEmpty($"reading={reading}");
        }
    }
}
