using System.Diagnostics;
using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.TestSupport;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Predictive;

/// <summary>
/// Lifetime value, recommendations, send times and private reports through the real host on a seeded demo shop: the
/// background worker fits and trains on start, the services read what it stored.
/// </summary>
public sealed class PredictiveServicesTests : IClassFixture<PredictiveServicesTests.DemoStudio>
{
    private readonly DemoStudio _app;

    public PredictiveServicesTests(DemoStudio app) => _app = app;

    public sealed class DemoStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 2_000;
    }

    [Fact]
    public async Task EveryBuyerIsScoredAndPredictionsWorkAsSegmentConditions()
    {
        await using var scope = await SignedInAsync(Roles.Marketer);
        var lifetime = scope.ServiceProvider.GetRequiredService<LifetimeService>();
        var overview = await WaitForAsync(() => lifetime.OverviewAsync(), o => o.Summary is not null && o.Running is null);
        await using var db = await Db(scope);

        var buyers = await db.Purchases.Select(p => p.CustomerId).Distinct().CountAsync();
        overview.Scored.ShouldBe(buyers);
        overview.Summary!.Check.ShouldNotBeEmpty();
        overview.Summary.Check.ShouldAllBe(b => double.IsFinite(b.Predicted) && b.Predicted >= 0);
        overview.Summary.Purchases.LogLikelihood.ShouldBeLessThan(0);
        (await db.CustomerPredictions.CountAsync(p => p.ChurnRisk < 0 || p.ChurnRisk > 1 || p.ExpectedPurchases30 > p.ExpectedPurchases365)).ShouldBe(0);
        (await db.CustomerPredictions.CountAsync(p => p.ValueBand == PredictedValueBand.Top)).ShouldBeInRange((buyers / 10) - 1, (buyers / 10) + 1);

        // The demo shop's one-off buyers bought once long ago: a first purchase only says nothing about leaving (BG/NBD
        // puts P(alive) = 1 without repeats), so the risky ones are repeat buyers who stopped.
        var compiler = new SegmentQueryCompiler(db);
        var risky = await (await compiler.MembersAsync(Rule(new RuleCondition(RuleFields.ChurnRisk, RuleOperators.AtLeast) { Value = "50" }))).CountAsync();
        risky.ShouldBe(await db.CustomerPredictions.CountAsync(p => p.ChurnRisk >= 0.5));
        risky.ShouldBeGreaterThan(0);
        var top = await (await compiler.MembersAsync(Rule(new RuleCondition(RuleFields.PredictedValue, RuleOperators.In) { Values = ["Top", "High"] }))).CountAsync();
        top.ShouldBe(await db.CustomerPredictions.CountAsync(p => p.ValueBand == PredictedValueBand.Top || p.ValueBand == PredictedValueBand.High));

        // "Save them" stores a rule segment that selects exactly the valuable customers at risk shown on the page.
        var segmentId = await lifetime.SaveAtRiskSegmentAsync();
        var segment = await db.Segments.SingleAsync(s => s.Id == segmentId);
        segment.Kind.ShouldBe(SegmentKind.Rule);
        var members = await (await compiler.MembersAsync(SegmentRuleJson.Parse(segment.RuleJson).Rule!)).Select(c => c.Id).ToListAsync();
        members.Count.ShouldBe(overview.AtRiskCount);
        overview.AtRisk.ShouldAllBe(c => members.Contains(c.Id) && c.ChurnRisk >= 0.5);
    }

    [Fact]
    public async Task RecommendationsBeatMostPopularOnTheDemoShopAndFillMergeData()
    {
        await using var scope = await SignedInAsync(Roles.Marketer);
        var service = scope.ServiceProvider.GetRequiredService<RecommendationService>();
        var overview = await WaitForAsync(() => service.OverviewAsync(), o => o.Summary is not null && o.Running is null);

        var products = overview.Summary!.Products90Days;
        products.TestCustomers.ShouldBeGreaterThan(50);
        products.HitRates.Select(h => h.ListLength).ShouldBe([5, 10]);
        products.HitRates.ShouldAllBe(h => h.ModelHitRate > h.PopularHitRate);

        await using var db = await Db(scope);
        var buyer = await db.Purchases.GroupBy(p => p.CustomerId).Where(g => g.Count() >= 3).Select(g => g.Key).FirstAsync();
        var owned = await db.Purchases.Where(p => p.CustomerId == buyer).Select(p => p.Product!).ToListAsync();
        var lists = await service.ForCustomersAsync([buyer, -1]);

        lists[buyer].Count.ShouldBe(5);
        lists[buyer].ShouldAllBe(r => !owned.Contains(r.Name));
        lists[-1].Select(r => r.Name).ShouldBe(overview.Popular.Take(5).Select(p => p.Product));
    }

    [Fact]
    public async Task NextBestSendTimeIsWithinTheNextDayAtTheCustomersBestHour()
    {
        await using var scope = await SignedInAsync(Roles.Manager);
        var service = scope.ServiceProvider.GetRequiredService<SendTimeService>();
        await using var db = await Db(scope);
        var reader = await db.CustomerEvents.Where(e => e.Type == EventTypes.EmailOpen).Select(e => e.CustomerId).FirstAsync();
        var now = new DateTime(2026, 11, 24, 13, 17, 0, DateTimeKind.Utc);

        var at = await service.NextBestSendTimeAsync(reader, now);
        var overview = await service.OverviewAsync();

        at.ShouldBeGreaterThanOrEqualTo(now);
        at.ShouldBeLessThan(now.AddHours(24));
        overview.Engagements.ShouldBe(await db.CustomerEvents.CountAsync(e => e.Type == EventTypes.EmailOpen || e.Type == EventTypes.EmailClick));
        overview.Population.Sum().ShouldBe(1, 1e-9);

        // The demo shop's newsletters go out at 9:00 and are read within hours: mornings dominate.
        var byHour = Enumerable.Range(0, 24).Select(h => Enumerable.Range(0, 7).Sum(d => overview.Population[d * 24 + h])).ToArray();
        Array.IndexOf(byHour, byHour.Max()).ShouldBeInRange(9, 12);
    }

    [Fact]
    public async Task ReportsHideSmallGroupsAndExportsCarryTheNoiseScale()
    {
        await using var admin = await SignedInAsync(Roles.Admin);
        var lifetime = admin.ServiceProvider.GetRequiredService<LifetimeService>();
        var privacy = admin.ServiceProvider.GetRequiredService<PrivacySettingsService>();
        await WaitForAsync(() => lifetime.OverviewAsync(), o => o.Summary is not null && o.Running is null);
        try
        {
            await privacy.SaveAsync(new PrivacySettings(MinGroupSize: 250));
            var overview = await lifetime.OverviewAsync();
            overview.Bands.ShouldAllBe(b => b.Suppressed == (b.Customers > 0 && b.Customers < 250));
            overview.ValueHistogram.Where(b => b.Value is null).ShouldAllBe(b => b.Shown == "< 250");
            var plain = await lifetime.ExportReportCsvAsync();
            plain.Split('\n').Skip(1).Where(l => l.Length > 0).ShouldAllBe(l => l.EndsWith(",", StringComparison.Ordinal));
            plain.ShouldContain(",< 250,");

            await privacy.SaveAsync(new PrivacySettings(MinGroupSize: 10, NoiseEpsilon: 0.5));
            var noisy = await lifetime.ExportReportCsvAsync(new Random(3));
            noisy.Split('\n').Skip(1).Where(l => l.Length > 0).ShouldAllBe(l => l.EndsWith(",2", StringComparison.Ordinal));
        }
        finally
        {
            await privacy.SaveAsync(new PrivacySettings());
        }

        await using var manager = await SignedInAsync(Roles.Manager);
        var readOnly = manager.ServiceProvider.GetRequiredService<LifetimeService>();
        await Should.ThrowAsync<StudioForbiddenException>(() => readOnly.RefitAsync());
        await Should.ThrowAsync<StudioForbiddenException>(() => readOnly.SaveAtRiskSegmentAsync());
        await Should.ThrowAsync<StudioForbiddenException>(() => readOnly.SaveSettingsAsync(new PredictiveSettings()));
        await Should.ThrowAsync<StudioForbiddenException>(() => manager.ServiceProvider.GetRequiredService<PrivacySettingsService>().SaveAsync(new PrivacySettings()));
        (await readOnly.ExportReportCsvAsync()).ShouldStartWith("predicted_value_band,churn_risk,customers,noise_scale");
    }

    private static SegmentRule Rule(RuleCondition condition) => new() { Root = new RuleGroup(GroupOperator.And, [condition]) };

    private static Task<AppDbContext> Db(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<AsyncServiceScope> SignedInAsync(string role)
    {
        var scope = _app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        await Task.CompletedTask;
        return scope;
    }

    /// <summary>Polls until the background worker's result is there (a condition, not a fixed sleep); fails after 3 minutes (a busy CI machine).</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            // A failed job will not finish: say why at once.
            (value switch { LifetimeOverview o => o.Error, RecommendationsOverview o => o.Error, _ => null }).ShouldBeNull();

            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(3), $"the predictive worker did not finish: {value}");
            await Task.Delay(100);
        }
    }
}
