using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending.Personalization;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>
/// Loads the merge data of recipients: profile, custom attributes, and from purchases the top category, the last product
/// and the recommendations.
/// </summary>
public static class RecipientLoader
{
    /// <summary>
    /// Recipients by customer id. With <paramref name="onlyMailable"/> the consent filter applies at the moment of reading,
    /// so a customer who opted out after launch is simply absent (the worker then marks the message suppressed).
    /// Recommendations come from the purchases read here anyway (no query of their own); without
    /// <paramref name="recommendations"/> or before any purchase exists the list stays empty.
    /// </summary>
    public static async Task<Dictionary<long, RecipientData>> LoadAsync(AppDbContext db, IReadOnlyCollection<long> customerIds, bool onlyMailable,
        RecommendationLists? recommendations, CancellationToken ct)
    {
        var result = new Dictionary<long, RecipientData>(customerIds.Count);
        var model = recommendations is null ? null : await recommendations.ModelAsync(ct);
        foreach (var chunk in customerIds.Chunk(1_000))
        {
            var customers = db.Customers.AsNoTracking().Where(c => chunk.Contains(c.Id) && !c.IsErased);
            if (onlyMailable)
            {
                customers = customers.Mailable();
            }

            var rows = await customers
                .Select(c => new { c.Id, c.Email, c.FirstName, c.LastName, c.City, c.Country, c.Attributes })
                .ToListAsync(ct);
            var purchases = await db.Purchases.AsNoTracking().Where(p => chunk.Contains(p.CustomerId))
                .Select(p => new { p.CustomerId, p.Category, p.Product, p.PurchasedAt })
                .ToListAsync(ct);
            var byCustomer = purchases.ToLookup(p => p.CustomerId);
            foreach (var c in rows)
            {
                var own = byCustomer[c.Id];
                // Projected rows carry NULL attributes as null (EF skips the converter for NULL).
                var last = own.Where(p => p.Product != null).MaxBy(p => p.PurchasedAt)?.Product;

                // Most bought category; ties go to the one bought most recently.
                var top = own.Where(p => p.Category != null).GroupBy(p => p.Category!)
                    .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(p => p.PurchasedAt)).Select(g => g.Key).FirstOrDefault();
                var recommended = model is null ? null
                    : recommendations!.For(model, own.Where(p => p.Product != null).Select(p => (p.PurchasedAt, p.Product!)));
                result[c.Id] = new RecipientData(c.Id, c.Email ?? "", c.FirstName, c.LastName, c.City, c.Country,
                    c.Attributes is { Count: > 0 } attributes ? attributes : null, recommended, top, last);
            }
        }

        return result;
    }
}
