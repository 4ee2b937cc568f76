using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Sending.Personalization;

/// <summary>
/// The one place a chosen collection becomes products (for the send, the preview, the review and the editor alike) and
/// the one place its problems are put in words. Pure: the catalogue and the best-seller ranking are handed in.
/// </summary>
public static class ProductCollections
{
    /// <summary>
    /// The collection's products that may be shown now: only products in stock; a category or brand (names compared
    /// ignoring case) best sellers first, then by name; picked products in the order picked, unknown ids left out. At most
    /// <see cref="ProductCollection.MaxProducts"/>.
    /// </summary>
    /// <param name="rankOf">A product's place among the best sellers (lower sells more); null when nothing was sold yet.</param>
    public static IReadOnlyList<ProductRecommendation> Resolve(ProductCollection collection, CatalogueSnapshot catalogue, Func<string, int>? rankOf)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(catalogue);
        if (collection.Kind == CollectionKind.Products)
        {
            return collection.Values
                .Select(id => catalogue.ById.TryGetValue(id, out var p) ? p : null)
                .Where(p => p is { InStock: true })
                .Take(ProductCollection.MaxProducts)
                .Select(p => ToRecommendation(p!, null))
                .ToList();
        }

        rankOf ??= _ => int.MaxValue;
        return Members(collection, catalogue)
            .Where(p => p.InStock)
            .OrderBy(p => rankOf(p.Id))
            .ThenBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .Take(ProductCollection.MaxProducts)
            .Select(p => ToRecommendation(p, null))
            .ToList();
    }

    /// <summary>
    /// Why the collection shows nothing or less than chosen, in words, or null when every product it names can show:
    /// no catalogue, a category or brand no product has (with the nearest one that exists), all sold out, ids not in the catalogue.
    /// </summary>
    public static string? Problem(ProductCollection collection, CatalogueSnapshot catalogue)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(catalogue);
        var what = collection.Describe();
        if (catalogue.IsEmpty)
        {
            return $"The product grid shows {what}, but the shop has no product catalogue yet (import one under Products), so it shows nothing.";
        }

        if (collection.Kind == CollectionKind.Products)
        {
            var unknown = collection.Values.Where(id => !catalogue.ById.ContainsKey(id)).ToList();
            var soldOut = collection.Values.Where(id => catalogue.ById.TryGetValue(id, out var p) && !p.InStock).ToList();
            var parts = new List<string>();
            if (unknown.Count > 0)
            {
                parts.Add($"not in the catalogue: {string.Join(", ", unknown)}");
            }

            if (soldOut.Count > 0)
            {
                parts.Add($"out of stock now: {string.Join(", ", soldOut)}");
            }

            if (parts.Count == 0)
            {
                return null;
            }

            var none = unknown.Count + soldOut.Count == collection.Values.Count;
            return $"Of the {what}, {(none ? "none can show" : "some are left out")} — {string.Join("; ", parts)}.";
        }

        var members = Members(collection, catalogue).ToList();
        if (members.Count == 0)
        {
            var label = collection.Kind == CollectionKind.Category ? "category" : "brand";
            var names = catalogue.ById.Values.Select(p => collection.Kind == CollectionKind.Category ? p.Category : p.Brand)
                .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var nearest = Nearest(collection.Values[0], names);
            return $"No product in the catalogue has the {label} “{collection.Values[0]}”, so the product grid shows nothing" +
                (nearest is null ? "." : $" — did you mean “{nearest}”?");
        }

        return members.Any(p => p.InStock) ? null : $"Every product of {what} is out of stock, so the product grid shows nothing.";
    }

    /// <summary>A catalogue product as the template model shows it (<c>p.name</c>, <c>p.url</c>, …).</summary>
    public static ProductRecommendation ToRecommendation(CatalogueProduct p, string? fallbackCategory) =>
        new(p.Name, p.Category ?? fallbackCategory, p.Url)
        {
            Id = p.Id, ImageUrl = p.ImageUrl, Price = p.Price, SalePrice = p.SalePrice, Currency = p.Currency, Brand = p.Brand,
        };

    private static IEnumerable<CatalogueProduct> Members(ProductCollection collection, CatalogueSnapshot catalogue)
    {
        var name = collection.Values[0];
        return collection.Kind == CollectionKind.Category
            ? catalogue.ById.Values.Where(p => string.Equals(p.Category, name, StringComparison.OrdinalIgnoreCase))
            : catalogue.ById.Values.Where(p => string.Equals(p.Brand, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The existing name closest in spelling (at most a third of the letters different), for a typed category or brand.</summary>
    private static string? Nearest(string typed, IEnumerable<string> names) =>
        names.Select(n => (Name: n, Distance: MergeFieldAnalyzer.Distance(typed.ToLowerInvariant(), n.ToLowerInvariant())))
            .Where(n => n.Distance <= Math.Max(2, typed.Length / 3))
            .OrderBy(n => n.Distance).ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Name).FirstOrDefault();
}
