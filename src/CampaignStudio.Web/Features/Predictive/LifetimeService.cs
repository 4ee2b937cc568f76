using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Privacy;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>
/// The lifetime-value dashboard: the fitted models and their holdout check, how predicted value and churn risk are
/// spread, the valuable customers at risk, and a "save them" segment. Group counts below the configured k are hidden.
/// </summary>
public sealed class LifetimeService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, LifetimeJob job, PredictiveQueue queue, PredictiveStore store,
    PrivacySettingsStore privacy, TimeProvider clock)
{
    /// <summary>"Valuable": RFM monetary score 4 or 5 (the top 40 % by spend so far).</summary>
    public const int ValuableMonetaryScore = 4;

    /// <summary>The churn risk (percent) from which a customer counts as at risk on the dashboard.</summary>
    public const int AtRiskPercent = 50;

    private static readonly double[] _valueEdges = [10, 25, 50, 100, 250, 500];
    private static readonly double[] _riskEdges = [0.1, 0.25, 0.5, 0.75, 0.9];

    /// <summary>Whether a fit is running now (cheap: no database).</summary>
    public bool IsRunning => job.Current is not null;

    public async Task<LifetimeOverview> OverviewAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var settings = await store.GetSettingsAsync(ct);
        var privacySettings = await privacy.GetAsync(ct);
        var summary = await store.ReadAsync<LifetimeFitSummary>(PredictiveStore.LifetimeKey, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var k = privacySettings.MinGroupSize;

        var bands = await db.CustomerPredictions.AsNoTracking()
            .GroupBy(p => p.ValueBand)
            .Select(g => new { Band = g.Key, Count = g.Count(), Value = g.Sum(p => p.PredictedValue), Risk = g.Average(p => p.ChurnRisk) })
            .ToListAsync(ct);
        var bandRows = Enum.GetValues<PredictedValueBand>().Reverse()
            .Select(b => bands.FirstOrDefault(x => x.Band == b) is { } x
                ? new BandRow(b, x.Count, SmallGroups.IsSuppressed(x.Count, k), x.Value, x.Risk)
                : new BandRow(b, 0, false, 0, 0))
            .Select(r => r.Suppressed ? r with { PredictedValue = 0, AverageChurnRisk = 0 } : r)
            .ToList();

        // Bucketed in SQL (CASE … GROUP BY): a million predictions stay in the database.
        var valueCells = await db.CustomerPredictions.AsNoTracking()
            .GroupBy(p => p.PredictedValue < 10 ? 0 : p.PredictedValue < 25 ? 1 : p.PredictedValue < 50 ? 2 : p.PredictedValue < 100 ? 3
                : p.PredictedValue < 250 ? 4 : p.PredictedValue < 500 ? 5 : 6)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => (long)x.Count, ct);
        var riskCells = await db.CustomerPredictions.AsNoTracking()
            .GroupBy(p => p.ChurnRisk < 0.1 ? 0 : p.ChurnRisk < 0.25 ? 1 : p.ChurnRisk < 0.5 ? 2 : p.ChurnRisk < 0.75 ? 3 : p.ChurnRisk < 0.9 ? 4 : 5)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => (long)x.Count, ct);
        var valueHistogram = Histogram(valueCells, _valueEdges, "", k);
        var riskHistogram = Histogram(riskCells, [.. _riskEdges.Select(e => e * 100)], "%", k);
        var scored = (int)valueCells.Values.Sum();

        var atRisk = await AtRiskQuery(db)
            .OrderByDescending(x => x.Risk).ThenByDescending(x => x.Spent).ThenBy(x => x.Id)
            .Take(20)
            .ToListAsync(ct);
        var atRiskCount = await AtRiskQuery(db).CountAsync(ct);
        return new LifetimeOverview(summary, job.Current, job.LastError, settings, privacySettings, bandRows, valueHistogram, riskHistogram, atRisk,
            atRiskCount, SmallGroups.IsSuppressed(atRiskCount, k), scored);
    }

    /// <summary>Queues a refit; the page follows its progress.</summary>
    public async Task RefitAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await queue.EnqueueAsync(PredictiveWork.Lifetime, ct);
    }

    /// <summary>
    /// Saves "valuable customers at risk" as a rule segment (RFM monetary ≥ 4 and churn risk ≥ the threshold), so it
    /// follows the next refit instead of freezing today's list. Returns the segment id.
    /// </summary>
    public async Task<int> SaveAtRiskSegmentAsync(int minChurnPercent = AtRiskPercent, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var rule = new SegmentRule
        {
            Root = new RuleGroup(GroupOperator.And,
            [
                new RuleCondition(RuleFields.RfmMonetary, RuleOperators.AtLeast) { Value = ValuableMonetaryScore.ToString(CultureInfo.InvariantCulture) },
                new RuleCondition(RuleFields.ChurnRisk, RuleOperators.AtLeast) { Value = minChurnPercent.ToString(CultureInfo.InvariantCulture) },
            ]),
        };
        SegmentRuleValidator.ThrowIfInvalid(rule);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var segment = new Segment
        {
            Name = $"Valuable customers at risk ({now:yyyy-MM-dd})",
            Description = $"Spent the most so far (RFM monetary 4–5) and at least {minChurnPercent} % likely to have left, by the lifetime model. Win them back.",
            Kind = SegmentKind.Rule,
            RuleJson = SegmentRuleJson.Serialize(rule),
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(segment);
        await db.SaveChangesAsync(ct);
        return segment.Id;
    }

    /// <summary>Admins set the discount rate (k and the noise ε are privacy settings: <see cref="PrivacySettingsService"/>).</summary>
    public async Task SaveSettingsAsync(PredictiveSettings settings, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        if (settings.AnnualDiscountRate is < 0 or > 1)
        {
            throw new ArgumentException("The discount rate must be 0–100 %.");
        }

        await store.SaveSettingsAsync(settings, ct);
    }

    /// <summary>
    /// The aggregate report as CSV: customers per predicted-value band and churn-risk band. Groups below k are blank with
    /// "&lt; k"; with differential privacy on, each count gets Laplace(1/ε) noise first (the scale is in the file).
    /// </summary>
    public async Task<string> ExportReportCsvAsync(Random? random = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var settings = await privacy.GetAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cells = await db.CustomerPredictions.AsNoTracking()
            .GroupBy(p => new { p.ValueBand, Risk = p.ChurnRisk < 0.25 ? 0 : p.ChurnRisk < 0.5 ? 1 : p.ChurnRisk < 0.75 ? 2 : 3 })
            .Select(g => new { g.Key.ValueBand, g.Key.Risk, Count = g.Count() })
            .ToListAsync(ct);
        var noise = settings.NoiseEpsilon is { } epsilon ? new Analytics.Privacy.LaplaceNoise(epsilon, random ?? new Random()) : null;
        string[] riskLabels = ["0–25 %", "25–50 %", "50–75 %", "75–100 %"];
        var csv = new StringBuilder("predicted_value_band,churn_risk,customers,noise_scale\n");
        foreach (var band in Enum.GetValues<PredictedValueBand>().Reverse())
        {
            for (var r = 0; r < riskLabels.Length; r++)
            {
                long count = cells.FirstOrDefault(c => c.ValueBand == band && c.Risk == r)?.Count ?? 0;
                if (noise is not null)
                {
                    count = noise.Apply(count);
                }

                csv.Append(CultureInfo.InvariantCulture, $"{band},{riskLabels[r]},{SmallGroups.Format(count, settings.MinGroupSize, "0")},{settings.NoiseScale?.ToString("0.###", CultureInfo.InvariantCulture) ?? ""}\n");
            }
        }

        return csv.ToString();
    }

    private static IQueryable<AtRiskCustomer> AtRiskQuery(AppDbContext db)
    {
        var minRisk = AtRiskPercent / 100.0;
        return from p in db.CustomerPredictions.AsNoTracking()
               join s in db.CustomerStats.AsNoTracking() on p.CustomerId equals s.CustomerId
               join c in db.Customers.AsNoTracking() on p.CustomerId equals c.Id
               where s.MonetaryScore >= ValuableMonetaryScore && p.ChurnRisk >= minRisk && !c.IsErased
               select new AtRiskCustomer
               {
                   Id = c.Id, Email = c.Email, FirstName = c.FirstName, LastName = c.LastName,
                   Spent = s.TotalSpent, Risk = p.ChurnRisk, PredictedValue = p.PredictedValue, Band = p.ValueBand,
               };
    }

    private static IReadOnlyList<HistogramBar> Histogram(Dictionary<int, long> cells, double[] edges, string unit, int k)
    {
        var counts = Enumerable.Range(0, edges.Length + 1).Select(i => cells.GetValueOrDefault(i)).ToArray();
        string Label(int i) => i == 0 ? $"< {edges[0]:0}{unit}" : i == edges.Length ? $"{edges[^1]:0}{unit}+" : $"{edges[i - 1]:0}–{edges[i]:0}{unit}";
        return [.. counts.Select((c, i) => new HistogramBar(Label(i), SmallGroups.ValueOrNull(c, k), SmallGroups.Format(c, k)))];
    }
}

public sealed record LifetimeOverview(
    LifetimeFitSummary? Summary,
    JobProgress? Running,
    string? Error,
    PredictiveSettings Settings,
    PrivacySettings Privacy,
    IReadOnlyList<BandRow> Bands,
    IReadOnlyList<HistogramBar> ValueHistogram,
    IReadOnlyList<HistogramBar> RiskHistogram,
    IReadOnlyList<AtRiskCustomer> AtRisk,
    int AtRiskCount,
    bool AtRiskCountSuppressed,
    int Scored);

/// <summary>One predicted-value band; <see cref="Suppressed"/> hides its numbers (fewer than k customers).</summary>
public sealed record BandRow(PredictedValueBand Band, int Customers, bool Suppressed, decimal PredictedValue, double AverageChurnRisk);

/// <summary>One bar; <see cref="Value"/> is null when the group is too small to show.</summary>
public sealed record HistogramBar(string Label, long? Value, string Shown);

/// <summary>A valuable customer at risk (settable members so EF can order and page the query before it is built).</summary>
public sealed record AtRiskCustomer
{
    public long Id { get; init; }
    public string? Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public decimal Spent { get; init; }
    public double Risk { get; init; }
    public decimal PredictedValue { get; init; }
    public PredictedValueBand Band { get; init; }

    public double ChurnRisk => Risk;

    public string Name => string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s)));
}
