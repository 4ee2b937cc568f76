using CampaignStudio.Analytics.Recommendations;
using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Personalization;

/// <summary>A trained product model with the catalogue that names its item ids.</summary>
public sealed record ProductModel(ItemToItemRecommender Model, IReadOnlyList<(string Product, string? Category)> Catalog, IReadOnlyDictionary<string, int> Ids, DateTime TrainedAt);

/// <summary>One purchased product as the recommender reads it.</summary>
public readonly record struct ProductPurchase(long CustomerId, string Product, string? Category, DateTime At);

/// <summary>
/// The item-to-item product model the e-mails recommend from, kept in memory. The studio's recommendation job retrains it
/// (and evaluates it for the page); a process without that job, such as the worker host, trains it on the spot when a
/// send batch first needs it.
/// </summary>
public sealed class ProductModels(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    // Training is serialised: a send batch that needs the model waits for a training already under way instead of starting another.
    private readonly SemaphoreSlim _training = new(1, 1);
    private ProductModel? _model;
    private DateTime? _lastLoadWithoutPurchases;

    /// <summary>The catalogue the recommendations describe and filter by (stock) — kept beside the model it names.</summary>
    public ProductCatalogue Catalogue { get; } = new(dbFactory, clock);

    /// <summary>The model trained last; null before the first training or when there are no purchases.</summary>
    public ProductModel? Current => _model;

    /// <summary>Trains on every product bought and makes it the current model; returns the purchase rows for an evaluation.</summary>
    public async Task<IReadOnlyList<ProductPurchase>> RetrainAsync(CancellationToken ct)
    {
        await _training.WaitAsync(ct);
        try
        {
            var rows = await LoadAsync(ct);
            _model = rows.Count == 0 ? null : await Task.Run(() => Train(rows), ct);
            return rows;
        }
        finally
        {
            _training.Release();
        }
    }

    /// <summary>
    /// The model for the send pipeline: trained on the spot (without the evaluation) when this process has none, e.g. a
    /// worker-only sender. Without purchases it tries again at most once an hour, not once per batch.
    /// </summary>
    public async Task<ProductModel?> EnsureModelAsync(CancellationToken ct)
    {
        if (_model is { } ready)
        {
            return ready;
        }

        await _training.WaitAsync(ct);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (_model is not null || now - _lastLoadWithoutPurchases < TimeSpan.FromHours(1))
            {
                return _model;
            }

            var rows = await LoadAsync(ct);
            if (rows.Count == 0)
            {
                _lastLoadWithoutPurchases = now;
                return null;
            }

            _model = await Task.Run(() => Train(rows), ct);
            return _model;
        }
        finally
        {
            _training.Release();
        }
    }

    /// <summary>Builds the product model from purchase rows (public for the benchmark and tests).</summary>
    public ProductModel Train(IReadOnlyList<ProductPurchase> rows)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var catalog = new List<(string, string?)>();
        var byCustomer = new Dictionary<long, List<(DateTime, int)>>();
        foreach (var r in rows)
        {
            if (!ids.TryGetValue(r.Product, out var id))
            {
                ids[r.Product] = id = catalog.Count;
                catalog.Add((r.Product, r.Category));
            }

            if (!byCustomer.TryGetValue(r.CustomerId, out var list))
            {
                byCustomer[r.CustomerId] = list = [];
            }

            list.Add((r.At, id));
        }

        var model = ItemToItemRecommender.Train([.. byCustomer.Values.Select(RecommenderEvaluation.DistinctInOrder)], catalog.Count);
        return new ProductModel(model, catalog, ids, clock.GetUtcNow().UtcDateTime);
    }

    private async Task<List<ProductPurchase>> LoadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = new List<ProductPurchase>();
        var query = db.Purchases.AsNoTracking()
            .Where(p => p.Product != null && !p.Customer!.IsErased)
            .Select(p => new { p.CustomerId, p.Product, p.Category, p.PurchasedAt });
        await foreach (var p in query.AsAsyncEnumerable().WithCancellation(ct))
        {
            rows.Add(new ProductPurchase(p.CustomerId, p.Product!, p.Category, p.PurchasedAt));
        }

        return rows;
    }
}
