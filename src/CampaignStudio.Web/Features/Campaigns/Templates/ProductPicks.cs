using CampaignStudio.Messaging.Templates;
using CampaignStudio.Web.Features.Products;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

/// <summary>
/// What a product grid's settings read from the catalogue to choose a collection: the categories or brands with their
/// stock, a product search by name or id, and what a collection shows now with its problem. The page builds it from
/// <see cref="ProductService"/>, so the block components stay free of services (and the same calls as the API's).
/// </summary>
public sealed record ProductPicks(
    Func<CollectionKind, CancellationToken, Task<IReadOnlyList<CollectionChoice>>> Choices,
    Func<string?, CancellationToken, Task<IReadOnlyList<ProductListItem>>> Search,
    Func<ProductCollection, CancellationToken, Task<CollectionPreview>> Preview)
{
    /// <summary>How many products a search offers to pick from.</summary>
    public const int SearchResults = 12;

    public static ProductPicks From(ProductService products) => new(
        products.CollectionChoicesAsync,
        async (text, ct) => (await products.QueryAsync(new ProductQuery(text, PageSize: SearchResults), ct)).Items,
        products.CollectionAsync);
}
