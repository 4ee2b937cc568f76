using System.Text;

namespace CampaignStudio.Messaging.Templates;

/// <summary>What a chosen collection is drawn from: a catalogue category, a brand, or products picked one by one.</summary>
public enum CollectionKind
{
    Category,
    Brand,
    Products,
}

/// <summary>
/// A collection of catalogue products chosen by the marketer — the same products for every recipient of a send — named in a
/// template by its key: <c>{% for p in collections["category:Shoes"] %}</c>, <c>collections["brand:Acme"]</c> or
/// <c>collections["products:sku-1,sku-2"]</c>. The key is the whole definition, so the send pipeline reads the collections
/// a template uses from the template itself (<see cref="MergeFieldAnalyzer.FindCollections"/>) and fills
/// <see cref="CampaignData.Collections"/> once per batch; the products are those in stock at that moment.
/// </summary>
public sealed class ProductCollection : IEquatable<ProductCollection>
{
    /// <summary>Most products a collection holds (and hand-picked products one may pick): a grid shows at most 12.</summary>
    public const int MaxProducts = 12;

    private const string CategoryPrefix = "category:";
    private const string BrandPrefix = "brand:";
    private const string ProductsPrefix = "products:";

    // Characters a key spells as %XX: Liquid's quotes and braces, the list comma, the escape itself, control characters.
    private const string Escaped = "%\"'\\,{}<>";

    private ProductCollection(CollectionKind kind, IReadOnlyList<string> values)
    {
        Kind = kind;
        Values = values;
        Key = kind switch
        {
            CollectionKind.Category => CategoryPrefix + Escape(values[0]),
            CollectionKind.Brand => BrandPrefix + Escape(values[0]),
            _ => ProductsPrefix + string.Join(',', values.Select(Escape)),
        };
    }

    public CollectionKind Kind { get; }

    /// <summary>The category or brand (one value), or the product ids in the marketer's order.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The collection's name in a template: <c>category:Shoes</c>.</summary>
    public string Key { get; }

    /// <summary>The Liquid expression of the list: <c>collections["category:Shoes"]</c>.</summary>
    public string Liquid => $"{MergeModel.Collections}[\"{Key}\"]";

    public static ProductCollection? Category(string? name) => string.IsNullOrWhiteSpace(name) ? null : new(CollectionKind.Category, [name.Trim()]);

    public static ProductCollection? Brand(string? name) => string.IsNullOrWhiteSpace(name) ? null : new(CollectionKind.Brand, [name.Trim()]);

    /// <summary>Products by the shop's ids, blanks and repeats dropped, in the given order; null when none is left.</summary>
    public static ProductCollection? Products(IEnumerable<string?>? ids)
    {
        var list = (ids ?? []).Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? null : new(CollectionKind.Products, list);
    }

    /// <summary>Reads a key as written in a template; false (and the reason) for anything else.</summary>
    public static bool TryParse(string? key, out ProductCollection? collection, out string? problem)
    {
        collection = null;
        problem = null;
        key ??= "";
        if (key.StartsWith(CategoryPrefix, StringComparison.Ordinal))
        {
            collection = Category(Unescape(key[CategoryPrefix.Length..]));
        }
        else if (key.StartsWith(BrandPrefix, StringComparison.Ordinal))
        {
            collection = Brand(Unescape(key[BrandPrefix.Length..]));
        }
        else if (key.StartsWith(ProductsPrefix, StringComparison.Ordinal))
        {
            collection = Products(key[ProductsPrefix.Length..].Split(',').Select(Unescape));
            if (collection is { Values.Count: > MaxProducts })
            {
                problem = $"collections[\"{key}\"] names {collection.Values.Count} products; a collection holds at most {MaxProducts}.";
                collection = null;
                return false;
            }
        }
        else
        {
            problem = $"collections[\"{key}\"] is not a collection: write collections[\"category:…\"], collections[\"brand:…\"] or collections[\"products:id1,id2\"].";
            return false;
        }

        if (collection is null)
        {
            problem = $"collections[\"{key}\"] names no {(key.StartsWith(ProductsPrefix, StringComparison.Ordinal) ? "product" : key[..key.IndexOf(':', StringComparison.Ordinal)])}.";
            return false;
        }

        return true;
    }

    /// <summary>The collection in the marketer's words: the category “Shoes”, the brand “Acme”, 3 hand-picked products.</summary>
    public string Describe() => Kind switch
    {
        CollectionKind.Category => $"the category “{Values[0]}”",
        CollectionKind.Brand => $"the brand “{Values[0]}”",
        _ => Values.Count == 1 ? "1 hand-picked product" : $"{Values.Count} hand-picked products",
    };

    public bool Equals(ProductCollection? other) => other is not null && other.Key == Key;

    public override bool Equals(object? obj) => Equals(obj as ProductCollection);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;

    private static string Escape(string value)
    {
        var result = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            if (Escaped.Contains(ch, StringComparison.Ordinal) || char.IsControl(ch))
            {
                foreach (var b in Encoding.UTF8.GetBytes(ch.ToString()))
                {
                    result.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else
            {
                result.Append(ch);
            }
        }

        return result.ToString();
    }

    private static string Unescape(string value) => value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;
}
