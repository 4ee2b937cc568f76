using CampaignStudio.Analytics.Recommendations;
using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Sending.Personalization;

/// <summary>
/// Turns a customer's purchases (or, without any, the products they viewed) into the <c>recommendations</c> list of an
/// e-mail, from the model and the catalogue in memory. The send pipeline hands in the rows it already read for the batch,
/// so recommending costs no query of its own. A singleton without a role check: the send worker has no signed-in user.
/// </summary>
public sealed class RecommendationLists(ProductModels models)
{
    /// <summary>How many products a template gets per recipient (templates show fewer with <c>limit:</c>).</summary>
    public const int ListLength = 5;

    // Built once per (model, catalogue) pair and shared by every list: a batch of 200 recipients allocates no products.
    private Lists? _cache;

    /// <summary>
    /// The model to recommend with: trained now if this process has none yet (a worker-only sender never runs the
    /// predictive worker); null when there are no purchases to learn from.
    /// </summary>
    public Task<ProductModel?> ModelAsync(CancellationToken ct) => models.EnsureModelAsync(ct);

    /// <summary>The catalogue as this process holds it (read again after a change or at least every minute).</summary>
    public Task<CatalogueSnapshot> CatalogueAsync(CancellationToken ct) => models.Catalogue.CurrentAsync(ct);

    /// <summary>Without a catalogue: as before the catalogue existed (names and categories from purchases).</summary>
    public IReadOnlyList<ProductRecommendation> For(ProductModel model, IEnumerable<(DateTime At, string Product)> purchases, int count = ListLength) =>
        For(model, CatalogueSnapshot.Empty, purchases, [], count);

    /// <summary>
    /// What the customer may want next. With purchases the model knows: products bought together with theirs, topped up
    /// with the best sellers. Without (cold start): the best sellers in the categories of the products they viewed
    /// (<paramref name="viewed"/>, product ids, most recent first), then the best sellers overall. When the shop has a
    /// catalogue, only its products that are in stock are recommended (the list fills up from the next candidates), with
    /// their link, image, prices and brand.
    /// </summary>
    public IReadOnlyList<ProductRecommendation> For(ProductModel model, CatalogueSnapshot catalogue, IEnumerable<(DateTime At, string Product)> purchases,
        IEnumerable<string> viewed, int count = ListLength)
    {
        var lists = ListsFor(model, catalogue);
        List<(DateTime, int)>? known = null;
        foreach (var (at, product) in purchases)
        {
            if (model.Ids.TryGetValue(product, out var id))
            {
                (known ??= []).Add((at, id));
            }
        }

        if (known is not null)
        {
            var ids = model.Model.Recommend(RecommenderEvaluation.DistinctInOrder(known), count, lists.Excluded);
            var list = new ProductRecommendation[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                list[i] = lists.Items[ids[i]];
            }

            return list;
        }

        var categories = ViewedCategories(model, catalogue, viewed);
        if (categories.Count == 0)
        {
            return lists.Popular.Count <= count ? lists.Popular : [.. lists.Popular.Take(count)];
        }

        // Best sellers of the viewed categories (by buyers, as the model counts them), then the best sellers overall.
        var result = categories.SelectMany(c => lists.ByCategory.TryGetValue(c, out var best) ? best : [])
            .Distinct().OrderBy(i => lists.Rank[i]).Take(count).Select(i => lists.Items[i]).ToList();
        foreach (var popular in lists.Popular)
        {
            if (result.Count == count)
            {
                break;
            }

            if (!result.Contains(popular))
            {
                result.Add(popular);
            }
        }

        return result;
    }

    /// <summary>
    /// The products of the chosen collections a template names (keys as in <c>collections["category:Shoes"]</c>), from the
    /// catalogue in memory: read once per send batch or preview, the same for every recipient. Keys that are not
    /// collections are left out (the template shows nothing for them; <see cref="ProductCollections.Problem"/> says why).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ProductRecommendation>>> CollectionsAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        var result = new Dictionary<string, IReadOnlyList<ProductRecommendation>>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!result.ContainsKey(key) && ProductCollection.TryParse(key, out var collection, out _))
            {
                result[key] = await CollectionAsync(collection!, ct);
            }
        }

        return result;
    }

    /// <summary>One chosen collection's products as a send would show them now: in stock, best sellers first (picked products in their order).</summary>
    public async Task<IReadOnlyList<ProductRecommendation>> CollectionAsync(ProductCollection collection, CancellationToken ct)
    {
        var catalogue = await CatalogueAsync(ct);
        if (catalogue.IsEmpty)
        {
            return [];
        }

        var model = await ModelAsync(ct);
        return ProductCollections.Resolve(collection, catalogue, model is null ? null : ListsFor(model, catalogue).RankOf);
    }

    /// <summary>The categories of the viewed products: the catalogue's category, else the one its purchases carry.</summary>
    private static HashSet<string> ViewedCategories(ProductModel model, CatalogueSnapshot catalogue, IEnumerable<string> viewed)
    {
        var categories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var product in viewed)
        {
            var category = catalogue.ById.TryGetValue(product, out var p) ? p.Category
                : model.Ids.TryGetValue(product, out var id) ? model.Catalog[id].Category
                : null;
            if (category is not null)
            {
                categories.Add(category);
            }
        }

        return categories;
    }

    private Lists ListsFor(ProductModel model, CatalogueSnapshot catalogue)
    {
        if (_cache is { } c && ReferenceEquals(c.Model, model) && ReferenceEquals(c.Catalogue, catalogue))
        {
            return c;
        }

        var lists = new Lists(model, catalogue);
        _cache = lists;
        return lists;
    }

    private sealed class Lists
    {
        /// <summary>Longest cold-start list kept ready; templates show at most <see cref="ListLength"/> unless asked for more.</summary>
        private const int PopularLength = 50;

        public Lists(ProductModel model, CatalogueSnapshot catalogue)
        {
            Model = model;
            Catalogue = catalogue;
            var items = new ProductRecommendation[model.Catalog.Count];
            var excluded = new bool[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                var (product, category) = model.Catalog[i];
                if (catalogue.ById.TryGetValue(product, out var p))
                {
                    items[i] = ProductCollections.ToRecommendation(p, category);
                    excluded[i] = !p.InStock;
                }
                else
                {
                    // With a catalogue, a product it does not hold has no page to link to (perhaps discontinued): not recommended.
                    items[i] = new ProductRecommendation(product, category) { Id = product };
                    excluded[i] = !catalogue.IsEmpty;
                }
            }

            Items = items;
            Excluded = excluded;
            var recommendable = model.Model.ByPopularity.Where(i => !excluded[i]).ToArray();
            Popular = [.. recommendable.Take(PopularLength).Select(i => items[i])];
            Rank = new int[items.Length];
            for (var r = 0; r < model.Model.ByPopularity.Count; r++)
            {
                Rank[model.Model.ByPopularity[r]] = r;
            }

            ByCategory = recommendable.Where(i => items[i].Category is not null).GroupBy(i => items[i].Category!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Take(PopularLength).ToArray(), StringComparer.Ordinal);
        }

        public ProductModel Model { get; }
        public CatalogueSnapshot Catalogue { get; }
        public ProductRecommendation[] Items { get; }
        public bool[] Excluded { get; }

        /// <summary>Each item's place among the best sellers (0 = most buyers).</summary>
        public int[] Rank { get; }

        /// <summary>A catalogue product's place among the best sellers (0 = most buyers); products nobody bought come last.</summary>
        public int RankOf(string productId) => Model.Ids.TryGetValue(productId, out var id) ? Rank[id] : int.MaxValue;

        /// <summary>Per category, the item ids that may be recommended, best sellers first (at most 50).</summary>
        public Dictionary<string, int[]> ByCategory { get; }

        public IReadOnlyList<ProductRecommendation> Popular { get; }
    }
}
