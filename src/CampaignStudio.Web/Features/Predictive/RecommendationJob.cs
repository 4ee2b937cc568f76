using CampaignStudio.Analytics.Recommendations;
using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>The last evaluation of the recommendations, for the page (stored as JSON in the settings table).</summary>
public sealed record RecommenderSummary(DateTime EvaluatedAt, int Customers, int Products, RecommenderEvaluationResult Products90Days, RecommenderEvaluationResult? Categories90Days);

/// <summary>A trained product model with the catalogue that names its item ids.</summary>
public sealed record ProductModel(ItemToItemRecommender Model, IReadOnlyList<(string Product, string? Category)> Catalog, IReadOnlyDictionary<string, int> Ids, DateTime TrainedAt);

/// <summary>
/// Trains item-to-item recommendations on every product bought (kept in memory for merging into e-mails) and evaluates
/// them on a time split: the last 90 days are held out, for products and for categories. Runs in the background worker.
/// </summary>
public sealed class RecommendationJob(IDbContextFactory<AppDbContext> dbFactory, PredictiveStore store, TimeProvider clock, ILogger<RecommendationJob> log)
{
    /// <summary>The hit rates reported.</summary>
    public static readonly int[] ListLengths = [5, 10];

    /// <summary>Shops have few categories: a list of 10 would hold nearly all of them, so categories are judged at 1 and 3.</summary>
    public static readonly int[] CategoryListLengths = [1, 3];

    private const int HoldoutDays = 90;

    // Training is serialised: a send batch that needs the model waits for a training already under way instead of starting another.
    private readonly SemaphoreSlim _training = new(1, 1);
    private ProductModel? _model;
    private DateTime? _lastLoadWithoutPurchases;

    public JobProgress? Current { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>The model trained by the last run; null before the first.</summary>
    public ProductModel? Model => _model;

    public async Task RunAsync(CancellationToken ct)
    {
        LastError = null;
        try
        {
            Current = new JobProgress("Reading purchases", 0.1);
            List<ProductPurchase> rows;
            await _training.WaitAsync(ct);
            try
            {
                rows = await LoadAsync(ct);
                if (rows.Count == 0)
                {
                    _model = null;
                    return;
                }

                Current = new JobProgress("Training on all purchases", 0.3);
                _model = await Task.Run(() => Train(rows), ct);
            }
            finally
            {
                _training.Release();
            }

            Current = new JobProgress("Evaluating on the last 90 days", 0.6);
            var cutoff = rows.Max(r => r.At).AddDays(-HoldoutDays);
            var products = await Task.Run(() => RecommenderEvaluation.TimeSplit(rows.Select(r => new ItemPurchase(r.CustomerId, r.Product, r.At)), cutoff, ListLengths), ct);
            var categoryRows = rows.Where(r => r.Category is not null).ToList();
            var categories = categoryRows.Count == 0 ? null
                : await Task.Run(() => RecommenderEvaluation.TimeSplit(categoryRows.Select(r => new ItemPurchase(r.CustomerId, r.Category!, r.At)), cutoff, CategoryListLengths), ct);
            await store.WriteAsync(PredictiveStore.RecommenderKey, new RecommenderSummary(clock.GetUtcNow().UtcDateTime,
                rows.Select(r => r.CustomerId).Distinct().Count(), _model.Catalog.Count, products, categories), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Recommendation training failed");
            LastError = ex.Message;
        }
        finally
        {
            Current = null;
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

/// <summary>One purchased product as the recommender reads it.</summary>
public readonly record struct ProductPurchase(long CustomerId, string Product, string? Category, DateTime At);
