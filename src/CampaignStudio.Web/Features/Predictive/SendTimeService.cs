using CampaignStudio.Analytics.SendTime;
using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>
/// The send-time page's view of each customer's best send time. The numbers come from <see cref="BestSendTimes"/>, which lives
/// with the send pipeline because the launch uses it for "deliver at each recipient's best hour within the next 24 h".
/// </summary>
public sealed class SendTimeService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, BestSendTimes times)
{
    /// <summary>When to deliver to one customer: their best hour of the week within the 24 hours after <paramref name="now"/>.</summary>
    public Task<DateTime> NextBestSendTimeAsync(long customerId, DateTime now, CancellationToken ct = default) => times.NextBestSendTimeAsync(customerId, now, ct);

    /// <summary>The same for a batch of recipients (one query per 1,000). No role check: the send pipeline calls it without a signed-in user.</summary>
    public Task<IReadOnlyDictionary<long, DateTime>> NextBestSendTimesAsync(IReadOnlyCollection<long> customerIds, DateTime now, CancellationToken ct = default) =>
        times.NextBestSendTimesAsync(customerIds, now, ct);

    /// <summary>The page's view: everyone's engagement by hour of the week and how customers' best hours are spread.</summary>
    public async Task<SendTimeOverview> OverviewAsync(int sampleSize = 5_000, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var population = await times.PopulationAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var engaged = await db.CustomerEvents.AsNoTracking().Where(e => BestSendTimes.Engagements.Contains(e.Type))
            .Select(e => e.CustomerId).Distinct().OrderBy(id => id).Take(sampleSize).ToListAsync(ct);
        var profiles = await times.ProfilesAsync(engaged, ct);
        var bestHours = new int[SendTimeProfile.HoursPerWeek];
        foreach (var p in profiles.Values)
        {
            bestHours[p.BestHourOfWeek]++;
        }

        var events = await db.CustomerEvents.CountAsync(e => BestSendTimes.Engagements.Contains(e.Type), ct);
        return new SendTimeOverview(events, population, bestHours, profiles.Count, profiles.Count(p => p.Value.Events >= 10));
    }
}

/// <summary>The send-time page's numbers.</summary>
/// <param name="Engagements">Opens and clicks on record.</param>
/// <param name="Population">Everyone's engagement probability per hour of the week.</param>
/// <param name="BestHourCounts">How many of the sampled customers have their best hour at each hour of the week.</param>
/// <param name="Sampled">Customers in the sample.</param>
/// <param name="WithOwnHistory">Sampled customers with at least 10 engagements (their own habits dominate).</param>
public sealed record SendTimeOverview(int Engagements, IReadOnlyList<double> Population, IReadOnlyList<int> BestHourCounts, int Sampled, int WithOwnHistory);
