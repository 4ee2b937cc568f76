using CampaignStudio.Domain.Products;

namespace CampaignStudio.Data.Seed;

/// <summary>
/// The demo shop's product catalogue: one product for every id the demo's purchases name ("Books item 07"), so the products
/// page and the e-mails' recommendations are not empty on first start. Deterministic and apart from the seeder's random
/// numbers, so adding it changes none of the seeded customers, purchases or experiment.
/// </summary>
public static class DemoCatalogue
{
    /// <summary>Product ids run from 01 to 39 in every category (the purchases' <c>ProductOf</c>).</summary>
    public const int ItemsPerCategory = 39;

    private static readonly Dictionary<string, string[]> Names = new(StringComparer.Ordinal)
    {
        ["Books"] = ["Paperback novel", "Cookbook", "Travel guide", "Children's picture book", "Crime thriller", "Poetry collection"],
        ["Electronics"] = ["Wireless earbuds", "Phone charger", "Bluetooth speaker", "USB-C cable", "Smart plug", "E-reader"],
        ["Home & Living"] = ["Linen cushion cover", "Ceramic mug", "Scented candle", "Wool throw", "Table lamp", "Storage basket"],
        ["Fashion"] = ["Cotton T-shirt", "Denim jacket", "Wool scarf", "Leather belt", "Rain jacket", "Knitted beanie"],
        ["Beauty"] = ["Face cream", "Lip balm", "Shampoo bar", "Hand soap", "Body lotion", "Sun cream SPF 30"],
        ["Sports"] = ["Yoga mat", "Running socks", "Water bottle", "Resistance bands", "Trail running shoe", "Gym bag"],
        ["Toys"] = ["Wooden puzzle", "Building blocks", "Plush bear", "Card game", "Toy car", "Colouring set"],
        ["Garden"] = ["Seed collection", "Pruning shears", "Watering can", "Plant pot", "Garden gloves", "Bird feeder"],
    };

    /// <summary>The catalogue rows for the demo's categories, stamped with <paramref name="now"/>.</summary>
    public static IEnumerable<Product> Products(IEnumerable<string> categories, DateTime now)
    {
        foreach (var category in categories)
        {
            var names = Names.TryGetValue(category, out var known) ? known : ["Item"];
            var slug = string.Concat(category.ToLowerInvariant().Where(char.IsLetter));
            for (var i = 1; i <= ItemsPerCategory; i++)
            {
                var id = $"{category} item {i:D2}";
                var price = 4.90m + (slug.Length * 7 + i * 13) % 120;
                var product = new Product
                {
                    ExternalId = id,
                    Url = $"https://demo-shop.example/{slug}/{i:D2}",
                    Price = price,
                    SalePrice = i % 5 == 0 ? decimal.Floor(price * 0.8m) + 0.90m : null, // about a fifth off, at a shop-like .90
                    Currency = "EUR",
                    Category = category,
                    Brand = "Demo Shop",
                    InStock = i % 13 != 0,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                product.SetName($"{names[(i - 1) % names.Length]} no. {i}");
                yield return product;
            }
        }
    }
}
