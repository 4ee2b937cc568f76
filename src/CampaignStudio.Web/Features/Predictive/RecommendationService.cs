using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>
/// Per-customer product recommendations for e-mails (the <c>recommendations</c> merge root) and the evaluation page.
/// The send pipeline calls <see cref="ForCustomersAsync"/> with a batch of recipients and puts each list into
/// <see cref="RecipientData.Recommendations"/>.
/// </summary>
public sealed class RecommendationService(IDbContextFactory<AppDbContext> dbFactory, RecommendationJob job, RecommendationLists lists, PredictiveStore store, PredictiveQueue queue, CurrentUser user)
{
    /// <summary>How many products a template gets per recipient (templates show fewer with <c>limit:</c>).</summary>
    public const int ListLength = RecommendationLists.ListLength;

    /// <summary>
    /// Recommendations for each customer: what customers with similar purchases also bought, topped up with the most
    /// popular products; customers without purchases get the most popular ones. Empty lists before the first training.
    /// No role check: the send pipeline calls this from its background worker with no signed-in user.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<ProductRecommendation>>> ForCustomersAsync(IReadOnlyCollection<long> customerIds, int count = ListLength, CancellationToken ct = default)
    {
        var result = new Dictionary<long, IReadOnlyList<ProductRecommendation>>(customerIds.Count);
        if (await lists.ModelAsync(ct) is not { } model)
        {
            return result;
        }

        var owned = new List<(long CustomerId, DateTime At, string Product)>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // In chunks: one IN list per 1,000 recipients keeps the statement small on both databases.
            foreach (var chunk in customerIds.Chunk(1_000))
            {
                var rows = await db.Purchases.AsNoTracking()
                    .Where(p => chunk.Contains(p.CustomerId) && p.Product != null)
                    .Select(p => new { p.CustomerId, p.Product, p.PurchasedAt })
                    .ToListAsync(ct);
                owned.AddRange(rows.Select(r => (r.CustomerId, r.PurchasedAt, r.Product!)));
            }
        }

        var byCustomer = owned.ToLookup(p => p.CustomerId, p => (p.At, p.Product));
        foreach (var customerId in customerIds)
        {
            result[customerId] = lists.For(model, byCustomer[customerId], count);
        }

        return result;
    }

    /// <summary>The page's view: the last evaluation and whether training is running.</summary>
    public async Task<RecommendationsOverview> OverviewAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var summary = await store.ReadAsync<RecommenderSummary>(PredictiveStore.RecommenderKey, ct);
        var popular = job.Model is { } m ? m.Model.ByPopularity.Take(10).Select(i => (m.Catalog[i].Product, m.Model.Buyers[i])).ToList() : [];
        return new RecommendationsOverview(summary, job.Current, job.LastError, popular);
    }

    /// <summary>A sample customer's list, for the page.</summary>
    public async Task<IReadOnlyList<ProductRecommendation>> ForCustomerAsync(long customerId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return (await ForCustomersAsync([customerId], ListLength, ct)).GetValueOrDefault(customerId) ?? [];
    }

    public async Task RetrainAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await queue.EnqueueAsync(PredictiveWork.Recommendations, ct);
    }
}

public sealed record RecommendationsOverview(RecommenderSummary? Summary, JobProgress? Running, string? Error, IReadOnlyList<(string Product, int Buyers)> Popular);
