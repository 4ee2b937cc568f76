using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Products;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Products;

/// <summary>
/// The product catalogue for the grid, the product page and the API: reads for every role, upserts for Admins and
/// Marketers through the import's own validation and writer (the same rules as a CSV file).
/// </summary>
public sealed class ProductService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, CsvImporter importer, ProductCatalogue catalogue,
    PrivacySettingsStore privacy, RecommendationLists recommendations)
{
    public const int MaxPageSize = 500;

    /// <summary>Products bought together that the product page lists.</summary>
    public const int BoughtTogetherCount = 10;

    public async Task<ProductPage> QueryAsync(ProductQuery query, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = Search(db.Products.AsNoTracking(), query.Search);
        if (query.InStockOnly)
        {
            products = products.Where(p => p.InStock);
        }

        var total = await products.CountAsync(ct);
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var items = await Sort(products, query.SortBy, query.Descending)
            .Skip(Math.Max(0, query.Page) * size)
            .Take(size)
            .Select(p => new ProductListItem(p.Id, p.ExternalId, p.Name, p.Url, p.ImageUrl, p.Price, p.SalePrice, p.Currency, p.Category, p.Brand, p.InStock, p.UpdatedAt))
            .ToListAsync(ct);
        return new ProductPage(items, total);
    }

    /// <summary>One product by the studio's id, with what its buyers did; counts of buyers below the privacy setting's k are hidden.</summary>
    public async Task<ProductDetail?> GetAsync(long id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        return product is null ? null : await DetailAsync(db, product, ct);
    }

    /// <summary>One product by the shop's id (the API's key).</summary>
    public async Task<ProductDetail?> GetByShopIdAsync(string shopId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.ExternalId == shopId, ct);
        return product is null ? null : await DetailAsync(db, product, ct);
    }

    private async Task<ProductDetail> DetailAsync(AppDbContext db, Product product, CancellationToken ct)
    {
        var shopId = product.ExternalId;
        var sales = await db.Purchases.Where(p => p.Product == shopId && !p.Customer!.IsErased)
            .GroupBy(p => 1)
            .Select(g => new { Orders = g.Count(), Buyers = g.Select(p => p.CustomerId).Distinct().Count(), Revenue = g.Sum(p => p.Amount) })
            .FirstOrDefaultAsync(ct);

        // Other products the same customers bought, by how many of them did.
        var together = await db.Purchases.AsNoTracking()
            .Where(p => p.Product != null && p.Product != shopId && db.Purchases.Any(q => q.Product == shopId && q.CustomerId == p.CustomerId))
            .GroupBy(p => p.Product!)
            .Select(g => new { Product = g.Key, Buyers = g.Select(p => p.CustomerId).Distinct().Count() })
            .OrderByDescending(g => g.Buyers).ThenBy(g => g.Product)
            .Take(BoughtTogetherCount)
            .ToListAsync(ct);
        var ids = together.Select(t => t.Product).ToList();
        var known = await db.Products.AsNoTracking().Where(p => ids.Contains(p.ExternalId))
            .Select(p => new { p.ExternalId, p.Id, p.Name, p.ImageUrl, p.InStock }).ToDictionaryAsync(p => p.ExternalId, ct);
        var k = (await privacy.GetAsync(ct)).MinGroupSize;
        return new ProductDetail(product, sales?.Buyers ?? 0, sales?.Orders ?? 0, sales?.Revenue ?? 0, k,
            together.Select(t => known.TryGetValue(t.Product, out var p)
                ? new BoughtTogether(t.Product, p.Name, p.Id, p.ImageUrl, p.InStock, t.Buyers)
                : new BoughtTogether(t.Product, t.Product, null, null, false, t.Buyers)).ToList());
    }

    /// <summary>Upserts up to <see cref="Api.StudioApi.MaxBatch"/> products by the shop's id; bad items are refused by position, the rest saved.</summary>
    public async Task<ImportSummary> UpsertAsync(IReadOnlyList<string> fields, IReadOnlyList<string[]> rows, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var mapping = new ImportMapping { Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() };
        try
        {
            return await importer.UpsertAsync(ImportKind.Products, mapping, rows, ct);
        }
        finally
        {
            catalogue.Invalidate();
        }
    }

    /// <summary>The catalogue's categories with their product counts, most products first (for pick lists).</summary>
    public async Task<IReadOnlyList<(string Category, int Products)>> CategoriesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Products.AsNoTracking().Where(p => p.Category != null).GroupBy(p => p.Category!)
            .Select(g => new { g.Key, Count = g.Count() }).OrderByDescending(g => g.Count).ThenBy(g => g.Key).ToListAsync(ct);
        return rows.Select(r => (r.Key, r.Count)).ToList();
    }

    /// <summary>
    /// The categories or brands a product grid can show, with how many products each has and how many are in stock, most
    /// in stock first (the block editor's pick list and <c>GET /api/products/categories</c>, <c>/brands</c>).
    /// </summary>
    public async Task<IReadOnlyList<CollectionChoice>> CollectionChoicesAsync(CollectionKind kind, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        if (kind == CollectionKind.Products)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), "Products are found with a search, not from a list.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = db.Products.AsNoTracking();
        var grouped = kind == CollectionKind.Category
            ? products.Where(p => p.Category != null).GroupBy(p => p.Category!)
            : products.Where(p => p.Brand != null).GroupBy(p => p.Brand!);
        var rows = await grouped
            .Select(g => new { Name = g.Key, Products = g.Count(), InStock = g.Count(p => p.InStock) })
            .OrderByDescending(c => c.InStock).ThenBy(c => c.Name)
            .ToListAsync(ct);
        return rows.Select(r => new CollectionChoice(r.Name, r.Products, r.InStock)).ToList();
    }

    /// <summary>
    /// What a chosen collection shows in a mail sent now (in stock, best sellers first; picked products in their order) and,
    /// when it shows nothing or less than chosen, why — the same rule and the same sentence as the send and the review.
    /// </summary>
    public async Task<CollectionPreview> CollectionAsync(ProductCollection collection, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var products = await recommendations.CollectionAsync(collection, ct);
        return new CollectionPreview(collection, products, ProductCollections.Problem(collection, await recommendations.CatalogueAsync(ct)));
    }

    /// <summary>Prefix search on the name (index on the lower-cased name) or the exact shop id.</summary>
    internal static IQueryable<Product> Search(IQueryable<Product> products, string? search)
    {
        var term = search?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(term))
        {
            return products;
        }

        var end = term + "\uffff";
        var original = search!.Trim();
        return products.Where(p => (string.Compare(p.NameKey, term) >= 0 && string.Compare(p.NameKey, end) < 0) || p.ExternalId == original);
    }

    /// <summary>Sorting only by an allow-list of columns; anything else is by name.</summary>
    internal static IQueryable<Product> Sort(IQueryable<Product> products, string? sortBy, bool descending) => (sortBy?.ToLowerInvariant()) switch
    {
        "price" => descending ? products.OrderByDescending(p => p.Price).ThenByDescending(p => p.Id) : products.OrderBy(p => p.Price).ThenBy(p => p.Id),
        "category" => descending ? products.OrderByDescending(p => p.Category).ThenByDescending(p => p.Id) : products.OrderBy(p => p.Category).ThenBy(p => p.Id),
        "id" or "externalid" => descending ? products.OrderByDescending(p => p.ExternalId) : products.OrderBy(p => p.ExternalId),
        "updated" or "updatedat" => descending ? products.OrderByDescending(p => p.UpdatedAt).ThenByDescending(p => p.Id) : products.OrderBy(p => p.UpdatedAt).ThenBy(p => p.Id),
        _ => descending ? products.OrderByDescending(p => p.NameKey).ThenByDescending(p => p.Id) : products.OrderBy(p => p.NameKey).ThenBy(p => p.Id),
    };
}

/// <summary>A category or brand with its products and how many of them are in stock.</summary>
public sealed record CollectionChoice(string Name, int Products, int InStock);

/// <summary>A chosen collection's products as a mail sent now shows them; <see cref="Problem"/> says why it shows nothing or less than chosen.</summary>
public sealed record CollectionPreview(ProductCollection Collection, IReadOnlyList<ProductRecommendation> Products, string? Problem);

public sealed record ProductQuery(string? Search = null, bool InStockOnly = false, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25);

public sealed record ProductListItem(long Id, string ShopId, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand, bool InStock, DateTime UpdatedAt);

public sealed record ProductPage(IReadOnlyList<ProductListItem> Items, int Total);

/// <summary>
/// A product with what its buyers did. <see cref="Buyers"/> below <see cref="MinGroupSize"/> are shown as "&lt; k" and
/// the revenue of fewer than k orders is not shown (decision 034: the same rule as every count of customers).
/// </summary>
public sealed record ProductDetail(Product Product, int Buyers, int Orders, decimal Revenue, int MinGroupSize, IReadOnlyList<BoughtTogether> BoughtTogether)
{
    public bool RevenueHidden => Domain.Privacy.SmallGroups.IsSuppressed(Orders, MinGroupSize);
}

/// <summary>Another product the same customers bought; <see cref="ProductId"/> is null when it is not in the catalogue.</summary>
public sealed record BoughtTogether(string ShopId, string Name, long? ProductId, string? ImageUrl, bool InStock, int Buyers);
