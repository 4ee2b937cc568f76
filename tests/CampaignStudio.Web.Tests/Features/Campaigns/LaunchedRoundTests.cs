using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// A launched policy's round ("… — offers round 2") after the launch, through the real host and database: its lifecycle, its
/// weighted read-out, predicted against realised value, and its rows joining the next training.
/// </summary>
public sealed class LaunchedRoundTests(SqliteSmtpStudio studio) : IClassFixture<SqliteSmtpStudio>
{
    private const string Costs = """{"margin":0.40,"arms":{"Mail":{"discount":0,"messageCost":0.01,"redemptionCost":0},"10 % off":{"discount":0.10,"messageCost":0.01,"redemptionCost":0},"20 % off":{"discount":0.20,"messageCost":0.01,"redemptionCost":0}}}""";

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = studio.App.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await studio.App.ApiKeyForAsync(email));
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    // One launched round of a shop large enough for the learned policy to be proven (and so launched), shared by the tests
    // that read rounds: each records its own outcomes on it before reading.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteSmtpStudio, Task<(int Source, PolicyLaunchResponse Round)>> Shared = new();

    private Task<(int Source, PolicyLaunchResponse Round)> SharedRoundAsync() => Shared.GetValue(studio, _ => LearnedRoundAsync());

    private async Task<(int Source, PolicyLaunchResponse Round)> LearnedRoundAsync()
    {
        var launched = await LaunchAsync("SHOP", rows: SharedRows, seed: 41, sendIn: SharedSendIn);
        var policy = (await Services.GetRequiredService<OfferPolicyStore>().GetAsync(launched.Source))!;
        policy.Evaluation.Recommendation.UseLearnedPolicy.ShouldBeTrue(policy.Evaluation.Recommendation.Reason);
        return launched;
    }

    private const int SharedRows = 10_000;

    private static readonly TimeSpan SharedSendIn = TimeSpan.FromDays(1);

    private AsyncServiceScope As(string role)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope;
    }

    /// <summary>
    /// Imports a four-offer file of <paramref name="rows"/> rows whose ids (prefix <paramref name="prefix"/>) are all mailable
    /// studio customers, trains its policy and launches it with the campaign scheduled <paramref name="sendIn"/> from now.
    /// </summary>
    private async Task<(int Source, PolicyLaunchResponse Round)> LaunchAsync(string prefix, int rows, int seed, TimeSpan sendIn,
        double exploration = 0.10, double holdout = 0.10)
    {
        var ids = await Build.CustomersAsync(prefix, rows, optedIn: rows);
        await using (var db = await Db.CreateDbContextAsync())
        {
            var customers = await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync();
            foreach (var customer in customers)
            {
                customer.ExternalId = $"{prefix}-{ids.IndexOf(customer.Id) + 1:000000}";
            }

            await db.SaveChangesAsync();
        }

        var marketer = await ClientAsync("marketer@demo.local");
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(rows, seed).Replace("S-", prefix + "-", StringComparison.Ordinal)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        foreach (var (key, value) in new[] { ("armColumn", "offer"), ("controlArm", OfferShopCsv.NoMessage), ("id", "customer_id") })
        {
            form.Add(new StringContent(value), key);
        }

        var imported = await marketer.PostAsync("/api/experiments/import", form);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var source = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
        var started = await marketer.PostAsync($"/api/experiments/{source}/policy", Json(Costs));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        await Services.GetRequiredService<OfferPolicyJobs>().Completion(source)!;

        var template = await Build.TemplateAsync($"{prefix} offer");
        var body = JsonSerializer.Serialize(new
        {
            templates = new Dictionary<string, int> { ["Mail"] = template, ["10 % off"] = template, ["20 % off"] = template },
            explorationShare = exploration,
            holdoutShare = holdout,
            scheduledAt = studio.App.Clock.GetUtcNow().UtcDateTime + sendIn,
        });
        var launched = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(body));
        launched.StatusCode.ShouldBe(HttpStatusCode.Created, await launched.Content.ReadAsStringAsync());
        return (source, JsonSerializer.Deserialize<PolicyLaunchResponse>(await launched.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!);
    }

    [Fact]
    public async Task ALaunchedRoundWaitsForItsCampaignAndCannotBeStartedOrEdited()
    {
        var (_, round) = await LaunchAsync("WAIT", rows: 800, seed: 21, sendIn: TimeSpan.FromDays(2));
        int assignments;
        await using (var db = await Db.CreateDbContextAsync())
        {
            assignments = await db.Assignments.CountAsync(a => a.ExperimentId == round.ExperimentId);
        }

        // The service refuses, in one sentence, whoever asks.
        await using (var scope = As(Roles.Marketer))
        {
            var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();
            (await Should.ThrowAsync<ExperimentStateException>(() => experiments.StartAsync(round.ExperimentId, confirmed: true)))
                .Message.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
            var design = (await experiments.DesignAsync(round.ExperimentId))!;
            (await Should.ThrowAsync<ExperimentStateException>(() => experiments.SaveAsync(round.ExperimentId, design)))
                .Message.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
        }

        // The API says 409 with the same sentence.
        var marketer = await ClientAsync("marketer@demo.local");
        var start = await marketer.PostAsync($"/api/experiments/{round.ExperimentId}/start", Json("""{"confirm":true}"""));
        start.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await start.Content.ReadAsStringAsync()).ShouldContain("it starts by itself when its campaign sends");
        var preview = await marketer.GetAsync($"/api/experiments/{round.ExperimentId}/start-preview");
        preview.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var designJson = await marketer.GetStringAsync($"/api/experiments/{round.ExperimentId}/design");
        var edit = await marketer.PostAsync($"/api/experiments/{round.ExperimentId}/design", Json(designJson));
        edit.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await edit.Content.ReadAsStringAsync()).ShouldContain("its arms can no longer change");

        // The page offers neither, and says why; the edit page shows the reason instead of the form.
        var client = await studio.App.SignedInClientAsync("marketer@demo.local");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync($"/experiments/{round.ExperimentId}"));
        page.QuerySelector("[data-testid=start-experiment]").ShouldBeNull();
        page.QuerySelector("[data-testid=edit-experiment]").ShouldBeNull();
        page.QuerySelector("[data-testid=experiment-status]")!.TextContent.ShouldContain("Waiting for its campaign");
        page.QuerySelector("[data-testid=waits-for-campaign]")!.TextContent.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
        var editPage = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync($"/experiments/{round.ExperimentId}/edit"));
        editPage.QuerySelector("[data-testid=design-fixed]")!.TextContent.ShouldContain(ExperimentLifecycle.AssignedAtCreation);
        editPage.QuerySelector("[data-testid=design-name]").ShouldBeNull();

        await using (var db = await Db.CreateDbContextAsync())
        {
            var experiment = await db.Experiments.SingleAsync(e => e.Id == round.ExperimentId);
            experiment.Status.ShouldBe(ExperimentStatus.Draft);
            (await db.Assignments.CountAsync(a => a.ExperimentId == round.ExperimentId)).ShouldBe(assignments);
        }
    }

    /// <summary>
    /// Records what the synthetic shop's customers do in the round: each buys with their kind's chance under the offer they got
    /// (decision 042's synthetic shop), spending their usual order value. Returns the round's rows as (offer, policy's offer, covariates).
    /// </summary>
    private async Task<List<(int Arm, int PolicyArm, string Covariates, double Propensity, bool Bought)>> RecordOutcomesAsync(int roundId, int seed)
    {
        var random = new Random(seed);
        await using var db = await Db.CreateDbContextAsync();
        var names = await db.Variants.Where(v => v.ExperimentId == roundId).ToDictionaryAsync(v => v.Id, v => Array.IndexOf(OfferShopCsv.Arms, v.Name));
        var rows = await db.Assignments.Where(a => a.ExperimentId == roundId).OrderBy(a => a.Id).ToListAsync();
        var result = new List<(int, int, string, double, bool)>(rows.Count);
        foreach (var row in rows)
        {
            var arm = names[row.VariantId];
            var bought = random.NextDouble() < OfferShopCsv.BuyRate(row.CovariatesJson!, arm);
            row.Converted = bought;
            row.Revenue = bought ? (decimal)OfferShopCsv.OrderValueOf(row.CovariatesJson!) : 0m;
            result.Add((arm, names[row.PolicyVariantId!.Value], row.CovariatesJson!, row.Propensity!.Value, bought));
        }

        await db.SaveChangesAsync();
        return result;
    }

    [Fact]
    public async Task TheLaunchedRoundsReadOutWeighsEachCustomerByTheirLoggedChanceOfTheirOffer()
    {
        var (_, round) = await SharedRoundAsync();
        var rows = await RecordOutcomesAsync(round.ExperimentId, seed: 5);

        await using var scope = As(Roles.Manager);
        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(round.ExperimentId, PrimaryMetric.Conversion, useCuped: null);

        var analysis = readout.Analysis.ShouldNotBeNull(readout.Problem);
        readout.WeightingNote.ShouldNotBeNull().ShouldContain("1 ÷ (their logged chance of their arm)");
        var differs = false;
        foreach (var arm in analysis.Arms)
        {
            var index = Array.IndexOf(OfferShopCsv.Arms, arm.Name);
            var mine = rows.Where(r => r.Arm == index).ToList();
            var weighted = PropensityWeighted.Mean([.. mine.Select(r => r.Bought ? 1.0 : 0.0)], [.. mine.Select(r => r.Propensity)]);
            arm.Mean.ShouldBe(weighted.Mean, 1e-12, arm.Name);
            arm.StandardError.ShouldBe(weighted.StandardError, 1e-12, arm.Name);
            differs |= Math.Abs(weighted.Mean - mine.Average(r => r.Bought ? 1.0 : 0.0)) > 0.02;

            // The rate the offer would have had, had every customer of the round got it: within four standard errors.
            var truth = rows.Average(r => OfferShopCsv.BuyRate(r.Covariates, index));
            Math.Abs(arm.Mean - truth).ShouldBeLessThan(4 * arm.StandardError, $"{arm.Name}: {arm.Mean} against the true {truth}");
        }

        differs.ShouldBeTrue("the policy sends each offer to the customers it suits, so plain means are off");

        // The split follows the policy, not a design: no sample-ratio alarm on it, and the list shows the same weighted lift.
        analysis.SampleRatio.Warning.ShouldBeFalse();
        readout.SampleRatioMismatch.ShouldBeFalse();
        var listed = (await scope.ServiceProvider.GetRequiredService<ExperimentService>().DashboardAsync()).Single(e => e.Id == round.ExperimentId);
        listed.AbsoluteLift.ShouldBe(readout.Best!.VsControl!.AbsoluteLift);
        var api = await (await ClientAsync("manager@demo.local")).GetStringAsync($"/api/experiments/{round.ExperimentId}/analysis?metric=Conversion");
        JsonDocument.Parse(api).RootElement.GetProperty("weightingNote").GetString().ShouldBe(readout.WeightingNote);
    }

    [Fact]
    public async Task PredictedAgainstRealisedGainIsShownOnceTheAttributionWindowClosesAndCoversTheTruth()
    {
        var sendIn = SharedSendIn;
        var (source, round) = await SharedRoundAsync();
        var manager = await ClientAsync("manager@demo.local");
        var pages = await studio.App.SignedInClientAsync("manager@demo.local");
        int window;
        await using (var db = await Db.CreateDbContextAsync())
        {
            var experiment = await db.Experiments.SingleAsync(e => e.Id == round.ExperimentId);
            var policy = (await Services.GetRequiredService<OfferPolicyStore>().GetAsync(source))!;
            var promise = PolicyLauncher.Promise(policy.Evaluation, policy.ControlArm);
            (experiment.PredictedGain, experiment.PredictedGainLower, experiment.PredictedGainUpper).ShouldBe((promise.ValuePerCustomer, promise.Ci.Lower, promise.Ci.Upper));
            window = (await db.Campaigns.SingleAsync(c => c.Id == round.CampaignId)).AttributionWindowDays;
        }

        // Before the window closes: the prediction, and when the realised value comes.
        var closes = studio.App.Clock.GetUtcNow().UtcDateTime + sendIn + TimeSpan.FromDays(window);
        var before = JsonSerializer.Deserialize<PolicyRealised>(await manager.GetStringAsync($"/api/experiments/{round.ExperimentId}/policy/realised"), JsonSerializerOptions.Web)!;
        before.Realised.ShouldBeNull();
        before.Predicted!.PerCustomer.ShouldBeGreaterThan(0);
        (before.RealisedAfter!.Value - closes).Duration().ShouldBeLessThan(TimeSpan.FromMinutes(1));
        before.Summary.ShouldContain("Realised value after");
        foreach (var url in new[] { $"/experiments/{round.ExperimentId}", $"/campaigns/{round.CampaignId}" })
        {
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await pages.GetStringAsync(url));
            page.QuerySelector("[data-testid=predicted-gain]")!.TextContent.ShouldContain(before.Predicted.Describe(), customMessage: url);
            page.QuerySelector("[data-testid=realised-gain]")!.TextContent.ShouldContain($"realised value after {before.RealisedAfter:yyyy-MM-dd HH:mm} UTC", customMessage: url);
        }

        (await manager.GetAsync($"/api/experiments/{source}/policy/realised")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the source is no launched round");

        var rows = await RecordOutcomesAsync(round.ExperimentId, seed: 9);
        studio.App.Clock.MoveBy(sendIn + TimeSpan.FromDays(window + 1));
        try
        {
            var after = JsonSerializer.Deserialize<PolicyRealised>(await manager.GetStringAsync($"/api/experiments/{round.ExperimentId}/policy/realised"), JsonSerializerOptions.Web)!;

            // The truth of this round: each customer's expected value under the policy's offer minus under no message.
            var truth = rows.Average(r => OfferShopCsv.ExpectedValue(r.Covariates, r.PolicyArm, 0.40, 0.01) - OfferShopCsv.ExpectedValue(r.Covariates, 0, 0.40, 0.01));
            var realised = after.Realised.ShouldNotBeNull(after.Summary);
            var se = (realised.Upper - realised.Lower) / 2 / 1.959963984540054;
            Math.Abs(realised.PerCustomer - truth).ShouldBeLessThan(4 * se, $"realised {realised.PerCustomer} against the true {truth}");
            truth.ShouldBeGreaterThan(0);
            realised.PerCustomer.ShouldBe(after.PolicyValue!.PerCustomer - after.NoMessageValue!.PerCustomer, 1e-9);
            after.Customers.ShouldBe(rows.Count);

            foreach (var url in new[] { $"/experiments/{round.ExperimentId}", $"/campaigns/{round.CampaignId}" })
            {
                var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await pages.GetStringAsync(url));
                page.QuerySelector("[data-testid=realised-gain]")!.TextContent.ShouldContain(realised.Describe(), customMessage: url);
            }
        }
        finally
        {
            studio.App.Clock.Reset();
        }
    }

    [Fact]
    public async Task TrainingAgainTakesInTheMeasuredRowsOfTheRoundLaunchedFromItWithTheirLoggedChances()
    {
        var (source, round) = await SharedRoundAsync();
        var store = Services.GetRequiredService<OfferPolicyStore>();
        var first = (await store.GetAsync(source))!;
        first.TrainingRows.ShouldBe(SharedRows);
        first.RoundRows.ShouldBe(0);

        var rows = await RecordOutcomesAsync(round.ExperimentId, seed: 13);
        var marketer = await ClientAsync("marketer@demo.local");
        var started = await marketer.PostAsync($"/api/experiments/{source}/policy", Json(Costs));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        await Services.GetRequiredService<OfferPolicyJobs>().Completion(source)!;

        var again = (await store.GetAsync(source))!;
        again.TrainingRows.ShouldBe(SharedRows + rows.Count);
        again.RoundRows.ShouldBe(rows.Count);
        again.Count.ShouldBe(SharedRows, "the offers per row, the export and the launch stay the experiment's own rows");
        var status = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{source}/policy")).RootElement;
        (status.GetProperty("trainingRows").GetInt32(), status.GetProperty("roundRows").GetInt32()).ShouldBe((SharedRows + rows.Count, rows.Count));

        // The doubly-robust value of every offer for everyone, read on both rounds' rows, covers its truth (within four standard errors).
        await using var db = await Db.CreateDbContextAsync();
        var sourceRows = await db.Assignments.Where(a => a.ExperimentId == source).Select(a => a.CovariatesJson!).ToListAsync();
        var everyone = sourceRows.Concat(rows.Select(r => r.Covariates)).ToList();
        for (var a = 0; a < again.ArmNames.Count; a++)
        {
            var arm = Array.IndexOf(OfferShopCsv.Arms, again.ArmNames[a]);
            var truth = everyone.Average(c => OfferShopCsv.ExpectedValue(c, arm, 0.40, 0.01));
            var value = again.Evaluation.Arms[a];
            Math.Abs(value.ValuePerCustomer - truth).ShouldBeLessThan(4 * value.StandardError, $"{again.ArmNames[a]}: {value.ValuePerCustomer} against the true {truth}");
        }
    }
}
