using System.Globalization;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CampaignStudio.Web.Features.Products;

/// <summary>
/// The product catalogue as an API, the twin of the products grid, the product page and the products import: every role
/// reads, Admins and Marketers write. Products are keyed by the shop's own id, as purchases name them.
/// </summary>
public static class ProductsApi
{
    public static RouteGroupBuilder MapProductsApi(this RouteGroupBuilder api)
    {
        var products = api.MapGroup("/products").WithTags("Products");
        products.MapGet("/", ListAsync)
            .WithSummary("Pages through the catalogue (search: prefix of the name, or the exact product id; inStock=true for products in stock only).");
        products.MapGet("/categories", CategoriesAsync)
            .WithSummary("The catalogue's categories with their products and how many are in stock, most in stock first: what a product grid can show.");
        products.MapGet("/brands", BrandsAsync)
            .WithSummary("The catalogue's brands with their products and how many are in stock, most in stock first: what a product grid can show.");
        products.MapGet("/collection", CollectionAsync)
            .WithSummary("What a product grid with a chosen collection shows in a mail sent now: give exactly one of category, brand or ids " +
                "(comma-separated shop ids, at most 12, in the order shown). Only products in stock, best sellers first (picked products in their order); " +
                "`problem` says why it shows nothing or less than chosen. `liquid` is the list to loop over in a template.");
        products.MapGet("/{id}", GetAsync)
            .WithSummary("One product by the shop's product id (URL-encoded), with its buyers, orders and revenue (counts below the privacy setting's k are null) and the products bought together with it.");
        products.MapPost("/batch", UpsertAsync)
            .RequireAuthorization(Policies.CanEdit)
            .WithSummary("Upserts up to 10,000 products by the shop's product id; the answer says per item what was refused and why, the rest are saved.")
            .WithDescription("""
                Each product needs `id` and `name`. Given fields replace what is stored, a field sent as null clears it (an ended sale: `salePrice: null`);
                `inStock` null keeps the stored value (a new product is in stock). Links must be absolute http(s) URLs; prices are at least 0 and a sale
                price above the price is refused. Out-of-stock products are never recommended in e-mails.
                """);
        return api;
    }

    public static async Task<Ok<ProductListResponse>> ListAsync([AsParameters] ProductListRequest request, ProductService service, CancellationToken ct)
    {
        var page = await service.QueryAsync(new ProductQuery(request.Search, request.InStock ?? false, request.Sort, request.Descending ?? false, request.Page ?? 0, request.PageSize ?? 50), ct);
        return TypedResults.Ok(new ProductListResponse(page.Items.Select(ProductResponse.From).ToList(), page.Total));
    }

    public static async Task<Results<Ok<ProductDetailResponse>, NotFound>> GetAsync(string id, ProductService service, CancellationToken ct) =>
        await service.GetByShopIdAsync(id, ct) is { } detail ? TypedResults.Ok(ProductDetailResponse.From(detail)) : TypedResults.NotFound();

    public static async Task<Ok<List<CollectionChoice>>> CategoriesAsync(ProductService service, CancellationToken ct) =>
        TypedResults.Ok((await service.CollectionChoicesAsync(CollectionKind.Category, ct)).ToList());

    public static async Task<Ok<List<CollectionChoice>>> BrandsAsync(ProductService service, CancellationToken ct) =>
        TypedResults.Ok((await service.CollectionChoicesAsync(CollectionKind.Brand, ct)).ToList());

    public static async Task<Results<Ok<CollectionResponse>, ProblemHttpResult>> CollectionAsync(string? category, string? brand, string? ids, ProductService service,
        CancellationToken ct)
    {
        var given = new[] { category, brand, ids }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (given != 1)
        {
            return TypedResults.Problem("Give exactly one of category, brand or ids (comma-separated product ids).", statusCode: StatusCodes.Status400BadRequest);
        }

        var picked = ids?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (picked is { Length: > ProductCollection.MaxProducts })
        {
            return TypedResults.Problem($"A product grid shows at most {ProductCollection.MaxProducts} picked products; {picked.Length} were given.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var collection = (category, brand) switch
        {
            ({ } c, _) when !string.IsNullOrWhiteSpace(c) => ProductCollection.Category(c),
            (_, { } b) when !string.IsNullOrWhiteSpace(b) => ProductCollection.Brand(b),
            _ => ProductCollection.Products(picked),
        };
        if (collection is null)
        {
            return TypedResults.Problem("The collection names no product.", statusCode: StatusCodes.Status400BadRequest);
        }

        var preview = await service.CollectionAsync(collection, ct);
        return TypedResults.Ok(new CollectionResponse(collection.Key, collection.Liquid,
            preview.Products.Select(p => new CollectionProductResponse(p.Id ?? "", p.Name, p.Url, p.ImageUrl, p.Price, p.SalePrice, p.Currency, p.Category, p.Brand)).ToList(),
            preview.Problem));
    }

    public static async Task<Results<Ok<BatchResult>, ProblemHttpResult>> UpsertAsync(ProductBatch batch, ProductService service, CancellationToken ct)
    {
        if (batch.Products is not { } items)
        {
            return TypedResults.Problem("Send the products in 'products'.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (items.Count > StudioApi.MaxBatch)
        {
            return TypedResults.Problem($"A batch holds at most {StudioApi.MaxBatch:N0} items; this one has {items.Count:N0}.", statusCode: StatusCodes.Status400BadRequest);
        }

        var summary = await service.UpsertAsync(ProductInput.Fields(items), items.Select(p => p.ToRow(items)).ToList(), ct);
        return TypedResults.Ok(new BatchResult(summary.InsertedRows, summary.UpdatedRows, summary.Errors.Select(e => new BatchItemError((int)e.LineNumber, e.Reason)).ToList()));
    }
}

/// <param name="Key">The collection's name in a template, e.g. <c>category:Shoes</c>.</param>
/// <param name="Liquid">The list to loop over: <c>{% for p in collections["category:Shoes"] %}</c>.</param>
/// <param name="Problem">Why the grid shows nothing or less than chosen (unknown category, all sold out, ids not in the catalogue); null when all is well.</param>
public sealed record CollectionResponse(string Key, string Liquid, IReadOnlyList<CollectionProductResponse> Products, string? Problem);

/// <summary>A product of a chosen collection, with the fields a template shows (<c>p.id</c>, <c>p.name</c>, <c>p.url</c>, …).</summary>
public sealed record CollectionProductResponse(string Id, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand);

public sealed record ProductListRequest(string? Search, bool? InStock, string? Sort, bool? Descending, int? Page, int? PageSize);

public sealed record ProductBatch(IReadOnlyList<ProductInput>? Products);

/// <summary>A product to upsert; <see cref="Id"/> is the shop's own product id, as purchases name it.</summary>
public sealed record ProductInput(string? Id, string? Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand, bool? InStock, Dictionary<string, string>? Attributes)
{
    private static readonly string[] Fixed = [ImportFields.ProductId, ImportFields.ProductName, ImportFields.ProductUrl, ImportFields.ImageUrl,
        ImportFields.Price, ImportFields.SalePrice, ImportFields.Currency, ImportFields.Category, ImportFields.Brand, ImportFields.InStock];

    /// <summary>The columns of a batch: the fixed fields plus every attribute name used by any item.</summary>
    public static IReadOnlyList<string> Fields(IReadOnlyList<ProductInput> batch) =>
        Fixed.Concat(AttributeNames(batch).Select(a => ImportFields.AttributePrefix + a)).ToList();

    public string[] ToRow(IReadOnlyList<ProductInput> batch) =>
    [
        Id ?? "", Name ?? "", Url ?? "", ImageUrl ?? "", Price?.ToString(CultureInfo.InvariantCulture) ?? "", SalePrice?.ToString(CultureInfo.InvariantCulture) ?? "",
        Currency ?? "", Category ?? "", Brand ?? "", InStock is { } stock ? (stock ? "true" : "false") : "",
        .. AttributeNames(batch).Select(a => Attribute(a) ?? ""),
    ];

    /// <summary>The value of an attribute by its normalised name ("Colour" is sent, "colour" is stored).</summary>
    private string? Attribute(string normalized) =>
        Attributes?.FirstOrDefault(kv => ImportFields.Normalize(kv.Key) == normalized).Value;

    private static IEnumerable<string> AttributeNames(IReadOnlyList<ProductInput> batch) =>
        batch.SelectMany(p => p.Attributes?.Keys ?? Enumerable.Empty<string>()).Select(ImportFields.Normalize).Where(k => k.Length > 0).Distinct().Order(StringComparer.Ordinal);
}

public sealed record ProductResponse(string Id, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand, bool InStock, DateTime UpdatedAt)
{
    public static ProductResponse From(ProductListItem p) => new(p.ShopId, p.Name, p.Url, p.ImageUrl, p.Price, p.SalePrice, p.Currency, p.Category, p.Brand, p.InStock, p.UpdatedAt);
}

public sealed record ProductListResponse(IReadOnlyList<ProductResponse> Items, int Total);

/// <summary>A product with its sales. Buyers and orders are null when fewer than <see cref="MinGroupSize"/> (small groups are not shown), revenue then too.</summary>
public sealed record ProductDetailResponse(string Id, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand, bool InStock, IReadOnlyDictionary<string, string> Attributes, DateTime CreatedAt, DateTime UpdatedAt,
    int? Buyers, int? Orders, decimal? Revenue, int MinGroupSize, IReadOnlyList<BoughtTogetherResponse> BoughtTogether)
{
    public static ProductDetailResponse From(ProductDetail d)
    {
        var p = d.Product;
        var k = d.MinGroupSize;
        return new ProductDetailResponse(p.ExternalId, p.Name, p.Url, p.ImageUrl, p.Price, p.SalePrice, p.Currency, p.Category, p.Brand, p.InStock,
            p.Attributes, p.CreatedAt, p.UpdatedAt,
            (int?)SmallGroups.ValueOrNull(d.Buyers, k), (int?)SmallGroups.ValueOrNull(d.Orders, k), d.RevenueHidden ? null : d.Revenue, k,
            d.BoughtTogether.Where(b => !SmallGroups.IsSuppressed(b.Buyers, k)).Select(b => new BoughtTogetherResponse(b.ShopId, b.Name, b.ProductId is not null, b.Buyers)).ToList());
    }
}

/// <summary>A product bought by the same customers; <see cref="InCatalogue"/> is false for an id the catalogue does not hold.</summary>
public sealed record BoughtTogetherResponse(string Id, string Name, bool InCatalogue, int Buyers);
