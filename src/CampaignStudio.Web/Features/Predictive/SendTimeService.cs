using CampaignStudio.Analytics.SendTime;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>
/// Best send time per customer from their e-mail opens and clicks, smoothed toward everyone's: the send-time page's view
/// and, through <see cref="BestSendTimes"/>, the scheduler of "deliver at each recipient's best hour within the next 24 h".
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

/// <summary>
/// Best send times without a role check, shared by the send pipeline (a singleton, no signed-in user) and
/// <see cref="SendTimeService"/>.
/// </summary>
public sealed class BestSendTimes(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, SendTimePopulation cache)
{
    internal static readonly string[] Engagements = [EventTypes.EmailOpen, EventTypes.EmailClick];
    private static readonly TimeSpan _populationLifetime = TimeSpan.FromHours(1);

    /// <summary>When to deliver to one customer: their best hour of the week within the 24 hours after <paramref name="now"/>.</summary>
    public async Task<DateTime> NextBestSendTimeAsync(long customerId, DateTime now, CancellationToken ct = default) =>
        (await NextBestSendTimesAsync([customerId], now, ct))[customerId];

    /// <summary>The same for a batch of recipients (one query per 1,000).</summary>
    public async Task<IReadOnlyDictionary<long, DateTime>> NextBestSendTimesAsync(IReadOnlyCollection<long> customerIds, DateTime now, CancellationToken ct = default)
    {
        var profiles = await ProfilesAsync(customerIds, ct);
        return profiles.ToDictionary(kv => kv.Key, kv => kv.Value.NextBestSendTime(now));
    }

    internal async Task<Dictionary<long, SendTimeProfile>> ProfilesAsync(IReadOnlyCollection<long> customerIds, CancellationToken ct)
    {
        var population = await PopulationAsync(ct);
        var times = new Dictionary<long, List<DateTime>>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            foreach (var chunk in customerIds.Chunk(1_000))
            {
                var rows = await db.CustomerEvents.AsNoTracking()
                    .Where(e => chunk.Contains(e.CustomerId) && Engagements.Contains(e.Type))
                    .Select(e => new { e.CustomerId, e.OccurredAt })
                    .ToListAsync(ct);
                foreach (var r in rows)
                {
                    if (!times.TryGetValue(r.CustomerId, out var list))
                    {
                        times[r.CustomerId] = list = [];
                    }

                    list.Add(r.OccurredAt);
                }
            }
        }

        return customerIds.Distinct().ToDictionary(id => id, id => SendTimeProfile.For(times.GetValueOrDefault(id) ?? [], population));
    }

    /// <summary>Everyone's opens and clicks by hour of the week, counted in SQL and cached for an hour.</summary>
    internal async Task<double[]> PopulationAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (cache.Value is { } c && now - c.At < _populationLifetime)
        {
            return c.Population;
        }

        await cache.Gate.WaitAsync(ct);
        try
        {
            if (cache.Value is { } again && now - again.At < _populationLifetime)
            {
                return again.Population;
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);

            // Grouped by day of week and hour in SQL (both providers translate DayOfWeek and Hour); 168 rows come back.
            var cells = await db.CustomerEvents.AsNoTracking().Where(e => Engagements.Contains(e.Type))
                .GroupBy(e => new { Day = (int)e.OccurredAt.DayOfWeek, e.OccurredAt.Hour })
                .Select(g => new { g.Key.Day, g.Key.Hour, Count = g.Count() })
                .ToListAsync(ct);
            var counts = new int[SendTimeProfile.HoursPerWeek];
            foreach (var cell in cells)
            {
                counts[((cell.Day + 6) % 7 * 24) + cell.Hour] += cell.Count;
            }

            var population = SendTimeProfile.Population(counts);
            cache.Value = (now, population);
            return population;
        }
        finally
        {
            cache.Gate.Release();
        }
    }
}

/// <summary>The population's hour-of-week distribution, shared by all circuits and the send worker for an hour.</summary>
public sealed class SendTimePopulation
{
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    internal (DateTime At, double[] Population)? Value { get; set; }

    /// <summary>Forgets the cached distribution (after a large event import).</summary>
    public void Reset() => Value = null;
}

/// <summary>The send-time page's numbers.</summary>
/// <param name="Engagements">Opens and clicks on record.</param>
/// <param name="Population">Everyone's engagement probability per hour of the week.</param>
/// <param name="BestHourCounts">How many of the sampled customers have their best hour at each hour of the week.</param>
/// <param name="Sampled">Customers in the sample.</param>
/// <param name="WithOwnHistory">Sampled customers with at least 10 engagements (their own habits dominate).</param>
public sealed record SendTimeOverview(int Engagements, IReadOnlyList<double> Population, IReadOnlyList<int> BestHourCounts, int Sampled, int WithOwnHistory);
