using CampaignStudio.Analytics.SendTime;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Personalization;

/// <summary>
/// Best send time per customer from their e-mail opens and clicks, smoothed toward everyone's, without a role check: the
/// scheduler of "deliver at each recipient's best hour within the next 24 h" (a singleton, no signed-in user) and the
/// send-time page's numbers.
/// </summary>
public sealed class BestSendTimes(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, SendTimePopulation cache)
{
    public static readonly string[] Engagements = [EventTypes.EmailOpen, EventTypes.EmailClick];
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

    public async Task<Dictionary<long, SendTimeProfile>> ProfilesAsync(IReadOnlyCollection<long> customerIds, CancellationToken ct)
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
    public async Task<double[]> PopulationAsync(CancellationToken ct)
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
