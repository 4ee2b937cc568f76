using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Web.Features.Products;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

/// <summary>The product grid's collection: choosing it, and saying what it shows now (or why nothing).</summary>
public partial class BlockSettings
{
    private readonly Dictionary<CollectionKind, IReadOnlyList<CollectionChoice>> _choices = [];
    private readonly Dictionary<string, string> _pickedNames = new(StringComparer.Ordinal);
    private ProductListItem? _adding;

    /// <summary>What the grid's collection shows now, as read last; compared with the block's collection before it is shown.</summary>
    private CollectionPreview? _collection;
    private string? _collectionError;

    protected override async Task OnParametersSetAsync()
    {
        if (Block is ProductGridBlock { Collection: { } collection } && !collection.Equals(_collection?.Collection))
        {
            await ReadCollectionAsync(collection);
        }
    }

    private async Task SetCollectionAsync(Action change)
    {
        change();
        if (Block is ProductGridBlock { Collection: { } collection })
        {
            await ReadCollectionAsync(collection);
        }

        await Changed.InvokeAsync();
    }

    private async Task ReadCollectionAsync(ProductCollection collection)
    {
        if (Products is null)
        {
            return;
        }

        try
        {
            _collection = await Products.Preview(collection, CancellationToken.None);
            _collectionError = null;
            foreach (var p in _collection.Products)
            {
                _pickedNames[p.Id ?? ""] = p.Name;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _collection = null;
            _collectionError = "The catalogue could not be read: " + ex.Message;
        }
    }

    private Task<IEnumerable<string>> SearchCategoriesAsync(string? text, CancellationToken ct) => SearchChoicesAsync(CollectionKind.Category, text, ct);

    private Task<IEnumerable<string>> SearchBrandsAsync(string? text, CancellationToken ct) => SearchChoicesAsync(CollectionKind.Brand, text, ct);

    /// <summary>Categories or brands containing the typed text, most in stock first; read once per block editor.</summary>
    private async Task<IEnumerable<string>> SearchChoicesAsync(CollectionKind kind, string? text, CancellationToken ct)
    {
        if (Products is null)
        {
            return [];
        }

        if (!_choices.TryGetValue(kind, out var choices))
        {
            _choices[kind] = choices = await Products.Choices(kind, ct);
        }

        return choices.Where(c => string.IsNullOrWhiteSpace(text) || c.Name.Contains(text.Trim(), StringComparison.CurrentCultureIgnoreCase)).Select(c => c.Name);
    }

    private async Task<IEnumerable<ProductListItem>> SearchProductsAsync(string? text, CancellationToken ct) =>
        Products is null || string.IsNullOrWhiteSpace(text) ? [] : await Products.Search(text, ct);

    private async Task AddProductAsync(ProductGridBlock grid, ProductListItem? product)
    {
        _adding = null;
        if (product is null || grid.ProductIds.Contains(product.ShopId, StringComparer.Ordinal) || grid.ProductIds.Count >= ProductCollection.MaxProducts)
        {
            return;
        }

        _pickedNames[product.ShopId] = product.Name;
        await SetCollectionAsync(() => grid.ProductIds.Add(product.ShopId));
    }

    private string PickedName(string id) => _pickedNames.TryGetValue(id, out var name) ? $"{name} ({id})" : id;

    /// <summary>The stock of a category or brand beside its name in the pick list.</summary>
    private RenderFragment<string> ChoiceItem => name => builder =>
    {
        var choice = _choices.Values.SelectMany(c => c).FirstOrDefault(c => c.Name == name);
        builder.AddContent(0, choice is null ? name : $"{name} · {choice.InStock} of {choice.Products} in stock");
    };

    private static string CollectionSummary(ProductGridBlock grid, CollectionPreview shown)
    {
        if (shown.Products.Count == 0)
        {
            return "Nothing to show now: the grid is left out of the e-mail until products are in stock.";
        }

        var count = grid.Source == ProductSource.Products ? shown.Products.Count : Math.Min(Math.Clamp(grid.Count, 1, ProductCollection.MaxProducts), shown.Products.Count);
        var order = grid.Source == ProductSource.Products ? "in the order picked" : "best sellers first";
        return $"Everyone sees the same {count} product{(count == 1 ? "" : "s")} in stock, {order}: " +
            string.Join(", ", shown.Products.Take(count).Select(p => p.Name)) + ". Stock is checked again when the e-mail is sent.";
    }
}
