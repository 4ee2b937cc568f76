namespace CampaignStudio.Domain.Products;

/// <summary>
/// One product of the shop's catalogue. Purchases name a product by the shop's id (<see cref="ExternalId"/>); a purchase
/// whose product is not in the catalogue is still kept and shown as "not in catalogue".
/// </summary>
public class Product
{
    public long Id { get; set; }

    /// <summary>The shop's own id (SKU or product number); unique, the key of every upsert and of purchases' product.</summary>
    public string ExternalId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Lower-cased name kept beside the display name so a prefix search can use an index on every database.</summary>
    public string NameKey { get; private set; } = "";

    /// <summary>The product's page in the shop (absolute http(s) URL); links to it in e-mails are tracked.</summary>
    public string? Url { get; set; }

    public string? ImageUrl { get; set; }

    public decimal? Price { get; set; }

    /// <summary>The reduced price while the product is on sale; null when it is not.</summary>
    public decimal? SalePrice { get; set; }

    /// <summary>Three-letter ISO code of the prices, when the shop gives one.</summary>
    public string? Currency { get; set; }

    public string? Category { get; set; }
    public string? Brand { get; set; }

    /// <summary>Out-of-stock products are never recommended.</summary>
    public bool InStock { get; set; } = true;

    /// <summary>Any other columns an import mapped to custom attributes (string values; stored as JSON, as for customers).</summary>
    public Dictionary<string, string> Attributes
    {
        get;

        // The database stores "no attributes" as NULL and EF skips converters for NULL: never hand out null.
        set => field = value ?? [];
    } = [];

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public void SetName(string name)
    {
        Name = name.Trim();
        NameKey = SearchKey(Name);
    }

    /// <summary>The lower-cased form used for prefix search.</summary>
    public static string SearchKey(string name) => name.Trim().ToLowerInvariant();

    /// <summary>The price a customer pays now: the sale price when there is one below the price.</summary>
    public decimal? CurrentPrice => SalePrice is { } sale && (Price is null || sale < Price) ? sale : Price;
}
