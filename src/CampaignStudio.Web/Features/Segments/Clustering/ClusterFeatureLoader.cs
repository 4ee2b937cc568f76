using CampaignStudio.Analytics.Clustering;
using CampaignStudio.Data;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Segments.Clustering;

/// <summary>
/// Builds the feature matrix for clustering: per-customer aggregates computed by the database (GROUP BY), joined in memory.
/// By default only customers who bought at least once take part: non-buyers would form one trivial cluster.
/// </summary>
public sealed class ClusterFeatureLoader(TimeProvider clock)
{
    public async Task<FeatureMatrix> LoadAsync(AppDbContext db, IReadOnlyList<string> featureKeys, int? scopeSegmentId, bool includeNonBuyers, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var scope = scopeSegmentId is { } segmentId
            ? await SegmentMembership.MembersAsync(db, segmentId, clock, ct)
            : db.Customers.AsNoTracking().Where(c => !c.IsErased);

        var customers = await scope.Select(c => new { c.Id, c.CreatedAt }).ToListAsync(ct);
        var ids = customers.Select(c => c.Id).ToHashSet();
        var purchases = (await db.Purchases.GroupBy(p => p.CustomerId)
                .Select(g => new { CustomerId = g.Key, Count = g.Count(), Total = g.Sum(p => p.Amount), Last = g.Max(p => p.PurchasedAt) })
                .ToListAsync(ct))
            .Where(p => ids.Contains(p.CustomerId))
            .ToDictionary(p => p.CustomerId);

        Dictionary<long, int> engagement = [];
        if (featureKeys.Contains(CustomerFeatures.Engagement))
        {
            var since = now.AddDays(-90);
            engagement = await db.CustomerEvents
                .Where(e => e.OccurredAt >= since && (e.Type == EventTypes.EmailOpen || e.Type == EventTypes.EmailClick))
                .GroupBy(e => e.CustomerId).Select(g => new { g.Key, Count = g.Count() })
                .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        }

        var categoryKeys = featureKeys.Where(k => CustomerFeatures.CategoryOf(k) is not null).ToList();
        Dictionary<(long, string), int> categoryCounts = [];
        if (categoryKeys.Count > 0)
        {
            var categories = categoryKeys.Select(k => CustomerFeatures.CategoryOf(k)!).ToList();
            categoryCounts = (await db.Purchases.Where(p => p.Category != null && categories.Contains(p.Category))
                    .GroupBy(p => new { p.CustomerId, p.Category })
                    .Select(g => new { g.Key.CustomerId, g.Key.Category, Count = g.Count() })
                    .ToListAsync(ct))
                .ToDictionary(x => (x.CustomerId, x.Category!), x => x.Count);
        }

        var rows = new List<float[]>();
        var rowIds = new List<long>();
        foreach (var c in customers)
        {
            var bought = purchases.TryGetValue(c.Id, out var p);
            if (!bought && !includeNonBuyers)
            {
                continue;
            }

            var tenure = Math.Max(0, (now - c.CreatedAt).TotalDays);
            var row = new float[featureKeys.Count];
            for (var i = 0; i < featureKeys.Count; i++)
            {
                var key = featureKeys[i];
                row[i] = key switch
                {
                    CustomerFeatures.RecencyDays => (float)(bought ? Math.Max(0, (now - p!.Last).TotalDays) : tenure),
                    CustomerFeatures.Frequency => bought ? p!.Count : 0,
                    CustomerFeatures.Monetary => bought ? (float)p!.Total : 0,
                    CustomerFeatures.TenureDays => (float)tenure,
                    CustomerFeatures.AverageOrderValue => bought && p!.Count > 0 ? (float)(p.Total / p.Count) : 0,
                    CustomerFeatures.Engagement => engagement.GetValueOrDefault(c.Id),
                    _ when CustomerFeatures.CategoryOf(key) is { } category =>
                        bought && p!.Count > 0 ? (float)categoryCounts.GetValueOrDefault((c.Id, category)) / p.Count : 0,
                    _ => throw new ArgumentException($"Unknown feature '{key}'."),
                };
            }

            rows.Add(row);
            rowIds.Add(c.Id);
        }

        return FeatureMatrix.FromRows(featureKeys, rows.ToArray(), rowIds.ToArray());
    }

    /// <summary>The categories customers buy from, most common first, for the category-share features.</summary>
    public static async Task<IReadOnlyList<string>> CategoriesAsync(AppDbContext db, CancellationToken ct) =>
        await db.Purchases.Where(p => p.Category != null).GroupBy(p => p.Category!).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(20).ToListAsync(ct);
}
