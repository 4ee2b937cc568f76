using System.Security.Claims;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// An adaptive experiment run over simulated days: rounds go out no more often than the interval, the weights move towards
/// the arm that converts best but never below the floor, every assignment keeps its arm's share as its propensity, and the
/// read-out reweights by the logged allocation.
/// </summary>
public sealed class AdaptiveExperimentTests(AdaptiveExperimentTests.Studio app) : IClassFixture<AdaptiveExperimentTests.Studio>
{
    /// <summary>The studio on the fixed day (every test host starts there).</summary>
    public sealed class Studio : StudioAppFactory;

    private const int Customers = 3_000;
    private const int Rounds = 6;
    private const double Floor = 0.05;

    // Conversion rates the simulated shop answers with: "20 % off" is clearly the best arm.
    private static readonly Dictionary<string, double> Rates = new() { ["No message"] = 0.04, ["E-mail"] = 0.06, ["20 % off"] = 0.18 };

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private AsyncServiceScope As(string role)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope;
    }

    /// <summary>The shop's answer to every customer assigned since the last call: converted or not, by their arm's true rate.</summary>
    private async Task RecordOutcomesAsync(int experimentId, Random random)
    {
        await using var db = await Db.CreateDbContextAsync();
        var names = await db.Variants.Where(v => v.ExperimentId == experimentId).ToDictionaryAsync(v => v.Id, v => v.Name);
        var fresh = await db.Assignments.Where(a => a.ExperimentId == experimentId && a.Converted == null).OrderBy(a => a.Id).ToListAsync();
        foreach (var a in fresh)
        {
            a.Converted = random.NextDouble() < Rates[names[a.VariantId]];
        }

        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task RoundsMoveWeightTowardsTheBestArmNeverBelowTheFloorNotBeforeTheIntervalAndTheReadOutIsReweighted()
    {
        var builder = new CampaignTestBuilder(app.Services);
        var segment = await builder.SegmentAsync("Adaptive audience", await builder.CustomersAsync("adaptive", Customers, optedIn: Customers));
        await using var scope = As(Roles.Marketer);
        var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();
        var rounds = scope.ServiceProvider.GetRequiredService<AdaptiveAllocationService>();
        var id = await experiments.SaveAsync(null, new ExperimentDesign
        {
            Name = "Which offer, adaptively",
            AudienceSegmentId = segment,
            Arms = [new() { Name = "No message", IsControl = true }, new() { Name = "E-mail" }, new() { Name = "20 % off" }],
            Guardrails = [],
            Allocation = Allocation.Adaptive,
            Adaptive = new AdaptiveDesign { Rounds = Rounds, IntervalHours = 24, BurnInRounds = 1, FloorPerArm = Floor },
        });
        (await experiments.DesignAsync(id))!.Adaptive.Rounds.ShouldBe(Rounds);

        // The start assigns only the first round, at equal weights.
        var preview = await experiments.StartPreviewAsync(id);
        var first = await experiments.StartAsync(id, confirmed: true, expectedCustomers: preview.Customers);
        first.ShouldBe(preview.Customers);
        first.ShouldBeInRange(Customers / Rounds - 80, Customers / Rounds + 80);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Assignments.CountAsync(a => a.ExperimentId == id)).ShouldBe(first);
            (await db.Assignments.Where(a => a.ExperimentId == id).Select(a => a.Propensity).Distinct().ToListAsync()).ShouldBe([1.0 / 3]);
        }

        var random = new Random(7);
        for (var day = 1; day < Rounds; day++)
        {
            await RecordOutcomesAsync(id, random);

            // Less than the interval after the last round: nothing moves.
            app.Clock.MoveBy(TimeSpan.FromDays(day) - TimeSpan.FromHours(2));
            var early = await rounds.NextRoundAsync(id);
            early.Sent.ShouldBeNull();
            early.Message.ShouldContain("not due");

            app.Clock.MoveBy(TimeSpan.FromDays(day));
            var sent = await rounds.NextRoundAsync(id);
            sent.Sent.ShouldNotBeNull(sent.Message);
            sent.Sent.Number.ShouldBe(day);
            sent.Sent.Customers.ShouldBeGreaterThan(0);
        }

        await RecordOutcomesAsync(id, random);
        app.Clock.MoveBy(TimeSpan.FromDays(Rounds + 1));
        (await rounds.NextRoundAsync(id)).Message.ShouldBe($"All {Rounds} rounds are sent.");

        var log = (await rounds.LogAsync(id))!;
        log.Rounds.Count.ShouldBe(Rounds);
        log.Rounds.Sum(r => r.Customers).ShouldBe(Customers, "every customer of the audience is in exactly one round");
        log.Rounds.Zip(log.Rounds.Skip(1)).ShouldAllBe(p => p.Second.TookEffectAt - p.First.TookEffectAt >= TimeSpan.FromHours(24));
        log.Rounds.SelectMany(r => r.Weights.Values).ShouldAllBe(w => w >= Floor - 1e-12);
        log.Rounds.ShouldAllBe(r => Math.Abs(r.Weights.Values.Sum() - 1) < 1e-9);
        log.Rounds[^1].Weights["20 % off"].ShouldBeGreaterThan(0.8, "the best arm gets most of the last round");
        log.Rounds.Skip(1).Select(r => r.Weights["20 % off"]).Average().ShouldBeGreaterThan(1.0 / 3);

        // Each assignment's propensity is its arm's weight in its round, from the log.
        await using (var db = await Db.CreateDbContextAsync())
        {
            var names = await db.Variants.Where(v => v.ExperimentId == id).ToDictionaryAsync(v => v.Id, v => v.Name);
            var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == id).ToListAsync();
            rows.Count.ShouldBe(Customers);
            var byTime = log.Rounds.ToDictionary(r => r.TookEffectAt);
            rows.ShouldAllBe(a => Math.Abs(a.Propensity!.Value - byTime[a.AssignedAt].Weights[names[a.VariantId]]) < 1e-12);
            ((double)rows.Count(a => names[a.VariantId] == "20 % off") / rows.Count).ShouldBeGreaterThan(0.5);

            // The read-out: Horvitz–Thompson means, Σ y / propensity over the arm's customers ÷ all customers.
            var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(id, null, useCuped: false);
            var adaptive = readout.Adaptive.ShouldNotBeNull();
            adaptive.Rounds.ShouldBe(Rounds);
            adaptive.Note.ShouldContain("unbiased");
            foreach (var arm in adaptive.Arms)
            {
                var expected = rows.Where(a => names[a.VariantId] == arm.Name).Sum(a => (a.Converted == true ? 1 : 0) / a.Propensity!.Value) / rows.Count;
                arm.Mean.ShouldBe(expected, 1e-9, arm.Name);

                // The salt (so the rounds and arms) differ per run: within four standard errors of the truth, not "inside the 95 % interval" (which misses 1 run in 20).
                var se = (arm.MeanCi.Upper - arm.MeanCi.Lower) / 2 / 1.959963984540054;
                Math.Abs(arm.Mean - Rates[arm.Name]).ShouldBeLessThan(4 * se, $"{arm.Name}: {arm.Mean} against the true rate {Rates[arm.Name]}");
            }

            var best = adaptive.Arms.Single(a => a.Name == "20 % off");
            best.Lift!.Value.ShouldBe(best.Mean - adaptive.Arms.Single(a => a.IsControl).Mean, 1e-9);
            best.LiftCi!.Value.Lower.ShouldBeGreaterThan(0);
            readout.Verdict.ShouldBe("Winner", "read from the reweighted lifts");
            adaptive.Verdict.ShouldBe("Winner");

            // The plain tables (and the list) weight by the same logged chances once they moved: Hájek means per arm.
            readout.WeightingNote.ShouldNotBeNull();
            foreach (var arm in readout.Analysis!.Arms)
            {
                var mine = rows.Where(a => names[a.VariantId] == arm.Name).ToList();
                var weighted = CampaignStudio.Analytics.Statistics.PropensityWeighted.Mean([.. mine.Select(a => a.Converted == true ? 1.0 : 0.0)], [.. mine.Select(a => a.Propensity!.Value)]);
                arm.Mean.ShouldBe(weighted.Mean, 1e-12, arm.Name);
            }

            // The chi-square check compares with the split the rounds asked for, so moving weights are no mismatch.
            readout.Analysis!.SampleRatio.Warning.ShouldBeFalse();
            readout.SampleRatioMismatch.ShouldBeFalse();
        }

        // A manager reads the log and the reweighted analysis, but cannot send a round.
        await using var manager = As(Roles.Manager);
        (await manager.ServiceProvider.GetRequiredService<AdaptiveAllocationService>().LogAsync(id))!.Rounds.Count.ShouldBe(Rounds);
        await Should.ThrowAsync<StudioForbiddenException>(() => manager.ServiceProvider.GetRequiredService<AdaptiveAllocationService>().NextRoundAsync(id));
    }

    [Fact]
    public async Task TheDesignAndTheRoundsHaveApiTwins()
    {
        var builder = new CampaignTestBuilder(app.Services);
        var segment = await builder.SegmentAsync("Adaptive API audience", await builder.CustomersAsync("adaptive-api", 300, optedIn: 300));
        var marketer = app.CreateClient();
        marketer.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));

        var bad = await marketer.PostAsync("/api/experiments/", Json(new { name = "Too few rounds", allocation = "Adaptive", adaptive = new { rounds = 1, intervalHours = 24, burnInRounds = 1, floorPerArm = 0.01 } }));
        bad.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("between 2 and 100 rounds");

        var created = await marketer.PostAsync("/api/experiments/", Json(new
        {
            name = "Adaptive over the API",
            audienceSegmentId = segment,
            metric = "Conversion",
            arms = new object[] { new { name = "No message", isControl = true }, new { name = "E-mail" } },
            guardrails = Array.Empty<string>(),
            allocation = "Adaptive",
            adaptive = new { rounds = 3, intervalHours = 12, burnInRounds = 1, floorPerArm = 0.02 },
        }));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("experimentId").GetInt32();

        using (var design = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/design")))
        {
            design.RootElement.GetProperty("allocation").GetString().ShouldBe("Adaptive");
            design.RootElement.GetProperty("adaptive").GetProperty("intervalHours").GetInt32().ShouldBe(12);
            design.RootElement.GetProperty("adaptive").GetProperty("floorPerArm").GetDouble().ShouldBe(0.02);
        }

        (await marketer.PostAsync($"/api/experiments/{id}/design", Json(new { name = "Renamed draft", audienceSegmentId = segment, allocation = "Adaptive", adaptive = new { rounds = 3, intervalHours = 12, burnInRounds = 1, floorPerArm = 0.02 } })))
            .StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        (await marketer.PostAsync($"/api/experiments/{id}/start", Json(new { confirm = true }))).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        using (var log = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/rounds")))
        {
            log.RootElement.GetProperty("plannedRounds").GetInt32().ShouldBe(3);
            var first = log.RootElement.GetProperty("rounds")[0];
            first.GetProperty("weights").GetProperty("E-mail").GetDouble().ShouldBe(0.5);
            first.GetProperty("customers").GetInt32().ShouldBeInRange(60, 140);
        }

        using var next = JsonDocument.Parse(await (await marketer.PostAsync($"/api/experiments/{id}/rounds/next", null)).Content.ReadAsStringAsync());
        next.RootElement.GetProperty("sent").ValueKind.ShouldBe(JsonValueKind.Null);
        next.RootElement.GetProperty("message").GetString()!.ShouldContain("not due");
        (await marketer.GetAsync("/api/experiments/999999/rounds")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public void AnAdaptiveDesignStatesSensibleRoundsAndNoHoldout()
    {
        var design = new ExperimentDesign
        {
            Name = "Bad adaptive",
            HoldoutShare = 0.1,
            Allocation = Allocation.Adaptive,
            Adaptive = new AdaptiveDesign { Rounds = 1, IntervalHours = 0, BurnInRounds = 1, FloorPerArm = 0.6 },
        };

        var problems = ExperimentService.Validate(design);

        problems.ShouldContain("An adaptive experiment needs between 2 and 100 rounds.");
        problems.ShouldContain("The time between rounds must be between 1 hour and 31 days.");
        problems.ShouldContain("Keep equal weights for at least the first round and fewer rounds than there are.");
        problems.ShouldContain("The smallest share per arm must be at least 0 and leave room for the others (below 1 ÷ arms).");
        problems.ShouldContain("An adaptive experiment has no long-term holdout: use a fixed one for that.");
        ExperimentService.Validate(new ExperimentDesign { Name = "Fine", Allocation = Allocation.Adaptive }).ShouldBeEmpty();
    }
}
