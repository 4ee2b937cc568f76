using CampaignStudio.Domain.Privacy;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Dashboard;

/// <summary>The numbers on the first page: who there is, who can be mailed, what they bought, what is being tested.</summary>
public sealed class DashboardService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TimeProvider clock, PrivacySettingsService privacy)
{
    public async Task<DashboardSummary> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var since = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-11);
        var customers = await db.Customers.CountAsync(c => !c.IsErased, ct);
        var optedIn = await db.Customers.CountAsync(c => c.EmailConsent == ConsentStatus.OptedIn, ct);
        var last30 = now.AddDays(-30);
        var revenue30 = await db.Purchases.Where(p => p.PurchasedAt >= last30).SumAsync(p => (decimal?)p.Amount, ct) ?? 0;
        var orders30 = await db.Purchases.CountAsync(p => p.PurchasedAt >= last30, ct);
        var monthly = await db.Purchases.Where(p => p.PurchasedAt >= since)
            .GroupBy(p => new { p.PurchasedAt.Year, p.PurchasedAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Revenue = g.Sum(p => p.Amount), Orders = g.Count() })
            .ToListAsync(ct);

        // A month's revenue from fewer than k orders is a few people's spending: its bar stays empty.
        var k = await privacy.MinGroupSizeAsync(ct);
        var points = Enumerable.Range(0, 12).Select(i => since.AddMonths(i))
            .Select(m => monthly.FirstOrDefault(x => x.Year == m.Year && x.Month == m.Month) is { } x && !SmallGroups.IsSuppressed(x.Orders, k)
                ? new ChartPoint(m.ToString("MMM yy"), (double)x.Revenue)
                : new ChartPoint(m.ToString("MMM yy"), 0))
            .ToList();
        var hiddenMonths = monthly.Count(x => SmallGroups.IsSuppressed(x.Orders, k));
        var experiments = await db.Experiments.CountAsync(e => e.Status == ExperimentStatus.Running || e.Status == ExperimentStatus.Finished, ct);
        var campaigns = await db.Campaigns.CountAsync(c => c.Status != CampaignStatus.Cancelled && c.FlowId == null, ct);
        return new DashboardSummary(customers, optedIn, revenue30, orders30, experiments, campaigns, points) { MinGroupSize = k, HiddenMonths = hiddenMonths };
    }
}

public sealed record DashboardSummary(int Customers, int OptedIn, decimal Revenue30Days, int Orders30Days, int Experiments, int Campaigns, IReadOnlyList<ChartPoint> MonthlyRevenue)
{
    public double OptedInShare => Customers == 0 ? 0 : (double)OptedIn / Customers;

    /// <summary>k of the privacy settings: groups of fewer customers (or orders) are shown as "&lt; k".</summary>
    public int MinGroupSize { get; init; } = SmallGroups.DefaultMinimum;

    /// <summary>Months whose bar is empty because they had fewer than k orders.</summary>
    public int HiddenMonths { get; init; }

    public string CustomersShown => SmallGroups.Format(Customers, MinGroupSize);

    /// <summary>Opted in, hidden also when those not opted in are few (customers minus opted in would name them).</summary>
    public string OptedInShown => SmallGroups.IsSuppressed(Customers, MinGroupSize) ? "–" : SmallGroups.FormatWithin(OptedIn, Customers, MinGroupSize);

    public string OptedInHint => SmallGroups.HidesRate(OptedIn, Customers, MinGroupSize)
        ? "opted in to e-mail" : $"{OptedInShare:P0} opted in to e-mail";

    public string Orders30Shown => SmallGroups.Format(Orders30Days, MinGroupSize);

    /// <summary>Revenue of fewer than k orders would be a few people's spending.</summary>
    public string Revenue30Shown => SmallGroups.IsSuppressed(Orders30Days, MinGroupSize) ? "–" : Revenue30Days.ToString("N0");
}

public static class DashboardFeature
{
    public static IServiceCollection AddDashboardFeature(this IServiceCollection services) => services.AddScoped<DashboardService>();
}
