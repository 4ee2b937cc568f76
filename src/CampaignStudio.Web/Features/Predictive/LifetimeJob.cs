using CampaignStudio.Analytics.Lifetime;
using CampaignStudio.Data;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>What the last lifetime fit found; stored as JSON in the settings table.</summary>
public sealed record LifetimeFitSummary(
    DateTime FittedAt,
    DateTime AsOf,
    int Customers,
    int RepeatBuyers,
    BgNbdParameters Purchases,
    GammaGammaParameters Spend,
    double AnnualDiscountRate,
    int HoldoutDays,
    IReadOnlyList<HoldoutBucket> Check,
    BgNbdParameters? Calibration = null);

/// <summary>
/// Fits BG/NBD and Gamma-Gamma on every buyer's purchases (in days), stores each buyer's prediction, and checks the model
/// on a calibration/holdout split. Runs in the background worker, never on a user's circuit.
/// </summary>
public sealed class LifetimeJob(IDbContextFactory<AppDbContext> dbFactory, PredictiveStore store, TimeProvider clock, ILogger<LifetimeJob> log)
{
    private const int BatchSize = 5_000;

    /// <summary>What the job is doing now, for the page's progress bar; null when idle.</summary>
    public JobProgress? Current { get; private set; }

    /// <summary>The last failure, until the next run starts.</summary>
    public string? LastError { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        LastError = null;
        try
        {
            await RunCoreAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Lifetime fit failed");
            LastError = ex.Message;
        }
        finally
        {
            Current = null;
        }
    }

    private async Task RunCoreAsync(CancellationToken ct)
    {
        Current = new JobProgress("Reading purchases", 0.05);
        var settings = await store.GetSettingsAsync(ct);
        var points = await LoadPurchasesAsync(ct);
        if (points.Count == 0)
        {
            await ReplacePredictionsAsync([], ct);
            return;
        }

        // Scored as of the last recorded purchase, not today: an imported history that ends months ago would otherwise
        // make every customer look lapsed (docs/decisions/034-predictive-personalization.md).
        var asOf = points.Max(p => p.At).Date.AddDays(1).AddTicks(-1);
        var firstDay = points.Min(p => p.At).Date;
        var span = (asOf.Date - firstDay).Days;

        Current = new JobProgress("Checking the model on a holdout period", 0.15);
        var holdoutDays = Math.Clamp(span / 2, 0, 365);
        IReadOnlyList<HoldoutBucket> check = [];
        BgNbdParameters? calibrated = null;
        if (holdoutDays >= 28)
        {
            var calibration = PurchaseHistories.Build(points, asOf.AddDays(-holdoutDays), asOf);
            if (calibration.Any(c => c.History.Frequency > 0))
            {
                calibrated = await Task.Run(() => BgNbd.Fit([.. calibration.Select(c => c.History)]), ct);
                check = HoldoutCheck.ByFrequency(calibrated, calibration, holdoutDays);
            }
        }

        Current = new JobProgress("Fitting purchase and spend models", 0.4);
        var customers = PurchaseHistories.Build(points, asOf);
        if (!customers.Any(c => c.History.Frequency > 0 && c.History.AverageSpend > 0))
        {
            throw new InvalidOperationException("No customer has bought more than once yet: the lifetime models need repeat purchases to learn from.");
        }

        var histories = customers.Select(c => c.History).ToArray();
        var model = await Task.Run(() => LifetimeModel.Fit(histories, settings.AnnualDiscountRate), ct);

        Current = new JobProgress("Scoring customers", 0.7);
        var scores = new LifetimeScore[histories.Length];
        await Task.Run(() => Parallel.For(0, histories.Length, new ParallelOptions { CancellationToken = ct }, i => scores[i] = model.Score(histories[i])), ct);
        var bands = ValueBands.Assign([.. scores.Select(s => s.ExpectedValue)]);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = customers.Select((c, i) => new CustomerPrediction
        {
            CustomerId = c.CustomerId,
            ChurnRisk = scores[i].ChurnRisk,
            ExpectedPurchases30 = scores[i].Purchases30,
            ExpectedPurchases90 = scores[i].Purchases90,
            ExpectedPurchases365 = scores[i].Purchases365,
            ExpectedAverageSpend = Money(scores[i].AverageSpend),
            PredictedValue = Money(scores[i].ExpectedValue),
            ValueBand = bands[i],
            ScoredAt = now,
        }).ToList();

        Current = new JobProgress("Saving predictions", 0.85);
        await ReplacePredictionsAsync(rows, ct);
        await store.WriteAsync(PredictiveStore.LifetimeKey, new LifetimeFitSummary(now, asOf, customers.Count, customers.Count(c => c.History.Frequency > 0),
            model.Purchases, model.Spend, settings.AnnualDiscountRate, holdoutDays, check, calibrated), ct);
    }

    private static decimal Money(double value) => double.IsFinite(value) ? Math.Round((decimal)Math.Clamp(value, 0, 1e12), 2) : 0;

    private async Task<List<PurchasePoint>> LoadPurchasesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var points = new List<PurchasePoint>();
        var query = db.Purchases.AsNoTracking()
            .Where(p => !p.Customer!.IsErased)
            .Select(p => new { p.CustomerId, p.PurchasedAt, p.Amount });
        await foreach (var p in query.AsAsyncEnumerable().WithCancellation(ct))
        {
            points.Add(new PurchasePoint(p.CustomerId, p.PurchasedAt, (double)p.Amount));
        }

        return points;
    }

    /// <summary>All predictions replaced in one transaction: readers see the old set until the new one is complete.</summary>
    private async Task ReplacePredictionsAsync(List<CustomerPrediction> rows, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var money = MoneyParameters.For(db.Database);
        object Amount(decimal m) => money.Value(m);
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = tx;
            delete.CommandText = """DELETE FROM "CustomerPredictions" """;
            await delete.ExecuteNonQueryAsync(ct);
        }

        await using (var insert = await BulkInserter.CreateAsync(connection, tx, "CustomerPredictions",
            ["CustomerId", "ChurnRisk", "ExpectedPurchases30", "ExpectedPurchases90", "ExpectedPurchases365", "ExpectedAverageSpend", "PredictedValue", "ValueBand", "ScoredAt"], null, ct))
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                await insert.InsertAsync(ct, r.CustomerId, r.ChurnRisk, r.ExpectedPurchases30, r.ExpectedPurchases90, r.ExpectedPurchases365,
                    Amount(r.ExpectedAverageSpend), Amount(r.PredictedValue), r.ValueBand.ToString(), r.ScoredAt);
                if (i % BatchSize == 0)
                {
                    Current = new JobProgress("Saving predictions", 0.85 + (0.15 * i / rows.Count));
                }
            }
        }

        await tx.CommitAsync(ct);
    }
}

/// <summary>A background job's stage and progress (0–1).</summary>
public sealed record JobProgress(string Stage, double Progress);
