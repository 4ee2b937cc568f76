using CampaignStudio.Analytics.Recommendations;
using CampaignStudio.Sending.Personalization;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>The last evaluation of the recommendations, for the page (stored as JSON in the settings table).</summary>
public sealed record RecommenderSummary(DateTime EvaluatedAt, int Customers, int Products, RecommenderEvaluationResult Products90Days, RecommenderEvaluationResult? Categories90Days);

/// <summary>
/// Trains item-to-item recommendations on every product bought (kept in memory by <see cref="ProductModels"/> for merging
/// into e-mails) and evaluates them on a time split: the last 90 days are held out, for products and for categories. Runs
/// in the background worker.
/// </summary>
public sealed class RecommendationJob(ProductModels models, PredictiveStore store, TimeProvider clock, ILogger<RecommendationJob> log)
{
    /// <summary>The hit rates reported.</summary>
    public static readonly int[] ListLengths = [5, 10];

    /// <summary>Shops have few categories: a list of 10 would hold nearly all of them, so categories are judged at 1 and 3.</summary>
    public static readonly int[] CategoryListLengths = [1, 3];

    private const int HoldoutDays = 90;

    public JobProgress? Current { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>The model trained by the last run; null before the first.</summary>
    public ProductModel? Model => models.Current;

    public async Task RunAsync(CancellationToken ct)
    {
        LastError = null;
        try
        {
            Current = new JobProgress("Training on all purchases", 0.1);
            var rows = await models.RetrainAsync(ct);
            if (models.Current is not { } model)
            {
                return;
            }

            Current = new JobProgress("Evaluating on the last 90 days", 0.6);
            var cutoff = rows.Max(r => r.At).AddDays(-HoldoutDays);
            var products = await Task.Run(() => RecommenderEvaluation.TimeSplit(rows.Select(r => new ItemPurchase(r.CustomerId, r.Product, r.At)), cutoff, ListLengths), ct);
            var categoryRows = rows.Where(r => r.Category is not null).ToList();
            var categories = categoryRows.Count == 0 ? null
                : await Task.Run(() => RecommenderEvaluation.TimeSplit(categoryRows.Select(r => new ItemPurchase(r.CustomerId, r.Category!, r.At)), cutoff, CategoryListLengths), ct);
            await store.WriteAsync(PredictiveStore.RecommenderKey, new RecommenderSummary(clock.GetUtcNow().UtcDateTime,
                rows.Select(r => r.CustomerId).Distinct().Count(), model.Catalog.Count, products, categories), ct);
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
}
