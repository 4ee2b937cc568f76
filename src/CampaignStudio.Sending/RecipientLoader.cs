using CampaignStudio.Data;
using System.Text.Json;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Customers;
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
        var catalogue = model is null ? CatalogueSnapshot.Empty : await recommendations!.CatalogueAsync(ct);
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

            // Cold start: customers without purchases are recommended from what they viewed (one query for the batch).
            var viewed = model is null ? null : await ViewedProductsAsync(db, rows.Select(r => r.Id).Where(id => !byCustomer.Contains(id)).ToList(), ct);
            foreach (var c in rows)
            {
                var own = byCustomer[c.Id];
                // Projected rows carry NULL attributes as null (EF skips the converter for NULL).
                var last = own.Where(p => p.Product != null).MaxBy(p => p.PurchasedAt)?.Product;

                // Most bought category; ties go to the one bought most recently.
                var top = own.Where(p => p.Category != null).GroupBy(p => p.Category!)
                    .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(p => p.PurchasedAt)).Select(g => g.Key).FirstOrDefault();
                var recommended = model is null ? null
                    : recommendations!.For(model, catalogue, own.Where(p => p.Product != null).Select(p => (p.PurchasedAt, p.Product!)),
                        viewed!.TryGetValue(c.Id, out var products) ? products : []);
                result[c.Id] = new RecipientData(c.Id, c.Email ?? "", c.FirstName, c.LastName, c.City, c.Country,
                    c.Attributes is { Count: > 0 } attributes ? attributes : null, recommended, top, last);
            }
        }

        return result;
    }

    /// <summary>Most views a customer's cold-start list looks at (the most recent ones).</summary>
    private const int ViewsPerCustomer = 20;

    /// <summary>The product ids of each customer's most recent <c>viewed_product</c> events, newest first.</summary>
    private static async Task<Dictionary<long, List<string>>> ViewedProductsAsync(AppDbContext db, List<long> customerIds, CancellationToken ct)
    {
        var result = new Dictionary<long, List<string>>();
        if (customerIds.Count == 0)
        {
            return result;
        }

        var events = await db.CustomerEvents.AsNoTracking()
            .Where(e => customerIds.Contains(e.CustomerId) && e.Type == TrackedEvents.ViewedProduct && e.PropertiesJson != null)
            .OrderByDescending(e => e.OccurredAt)
            .Select(e => new { e.CustomerId, e.PropertiesJson })
            .ToListAsync(ct);
        foreach (var e in events)
        {
            if (!result.TryGetValue(e.CustomerId, out var list))
            {
                result[e.CustomerId] = list = [];
            }

            if (list.Count < ViewsPerCustomer && ProductIdOf(e.PropertiesJson!) is { } product && !list.Contains(product))
            {
                list.Add(product);
            }
        }

        return result;
    }

    /// <summary>The product id an event's properties name (<see cref="TrackedEvents.ProductIdProperties"/>); null when none or not JSON.</summary>
    internal static string? ProductIdOf(string propertiesJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(propertiesJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var name in TrackedEvents.ProductIdProperties)
            {
                if (doc.RootElement.TryGetProperty(name, out var value))
                {
                    var text = value.ValueKind switch
                    {
                        JsonValueKind.String => value.GetString(),
                        JsonValueKind.Number => value.GetRawText(),
                        _ => null,
                    };
                    if (!string.IsNullOrWhiteSpace(text))
                    {
                        return text.Trim();
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
