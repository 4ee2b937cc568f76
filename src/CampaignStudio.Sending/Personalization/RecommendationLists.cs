using CampaignStudio.Analytics.Recommendations;
using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Sending.Personalization;

/// <summary>
/// Turns a customer's purchases into the <c>recommendations</c> list of an e-mail, from the model in memory. The send
/// pipeline hands in the purchases it already read for the batch, so recommending costs no query of its own. A singleton
/// without a role check: the send worker has no signed-in user.
/// </summary>
public sealed class RecommendationLists(ProductModels models)
{
    /// <summary>How many products a template gets per recipient (templates show fewer with <c>limit:</c>).</summary>
    public const int ListLength = 5;

    // One record per catalogue product, shared by every list: a batch of 200 recipients allocates no product names.
    private (ProductModel Model, ProductRecommendation[] Items, IReadOnlyList<ProductRecommendation> Popular)? _cache;

    /// <summary>
    /// The model to recommend with: trained now if this process has none yet (a worker-only sender never runs the
    /// predictive worker); null when there are no purchases to learn from.
    /// </summary>
    public Task<ProductModel?> ModelAsync(CancellationToken ct) => models.EnsureModelAsync(ct);

    /// <summary>
    /// What the customer may want next: products bought together with theirs, topped up with the most popular ones; a
    /// customer without purchases (or only products the model has not seen) gets the most popular products.
    /// </summary>
    public IReadOnlyList<ProductRecommendation> For(ProductModel model, IEnumerable<(DateTime At, string Product)> purchases, int count = ListLength)
    {
        var (items, popular) = Items(model, count);
        List<(DateTime, int)>? known = null;
        foreach (var (at, product) in purchases)
        {
            if (model.Ids.TryGetValue(product, out var id))
            {
                (known ??= []).Add((at, id));
            }
        }

        if (known is null)
        {
            return popular;
        }

        var ids = model.Model.Recommend(RecommenderEvaluation.DistinctInOrder(known), count);
        var list = new ProductRecommendation[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            list[i] = items[ids[i]];
        }

        return list;
    }

    private (ProductRecommendation[] Items, IReadOnlyList<ProductRecommendation> Popular) Items(ProductModel model, int count)
    {
        if (_cache is { } c && ReferenceEquals(c.Model, model) && c.Popular.Count == Math.Min(count, c.Items.Length))
        {
            return (c.Items, c.Popular);
        }

        var items = model.Catalog.Select(p => new ProductRecommendation(p.Product, p.Category)).ToArray();
        IReadOnlyList<ProductRecommendation> popular = [.. model.Model.Recommend([], count).Select(i => items[i])];
        _cache = (model, items, popular);
        return (items, popular);
    }
}
