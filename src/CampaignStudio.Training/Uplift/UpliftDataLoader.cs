using System.Globalization;
using System.Text.Json;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Training.Uplift;

/// <summary>An experiment as uplift training data, with the keys to find each row again.</summary>
public sealed record UpliftInput(UpliftDataset Dataset, long[] AssignmentIds, long?[] CustomerIds, IReadOnlyDictionary<string, string[]> Groups,
    string OutcomeLabel, string TreatmentLabel, string ControlLabel);

/// <summary>Where one row's features come from: its imported covariates, or its studio customer as of the start.</summary>
public sealed record CovariateSource(string? CovariatesJson, long? CustomerId, DateTime AssignedAt);

/// <summary>
/// Builds training data from a finished experiment. Imported rows bring their covariates; the studio's own customers are
/// described as they were <em>before</em> the experiment started (orders, spend, recency, e-mail opens, age, gender, country),
/// so nothing the e-mail caused leaks into the features.
/// </summary>
public static class UpliftDataLoader
{
    private const int OpensLookbackDays = 90;

    /// <summary>The experiment's rows in <paramref name="treatmentArm"/> (null: every arm but the control and the holdout) and its control, with <paramref name="metric"/> as the outcome (null: its primary metric).</summary>
    public static async Task<UpliftInput> LoadAsync(AppDbContext db, int experimentId, string? treatmentArm, PrimaryMetric? metric, CancellationToken ct)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct)
            ?? throw new ArgumentException("Unknown experiment.");
        var control = experiment.Variants.SingleOrDefault(v => v.IsControl) ?? throw new ArgumentException("The experiment has no control arm.");
        var treatedArms = experiment.Variants.Where(v => !v.IsControl && !v.IsHoldout && (treatmentArm is null || v.Name == treatmentArm)).ToList();
        if (treatedArms.Count == 0)
        {
            throw new ArgumentException($"The experiment has no arm named '{treatmentArm}'.");
        }

        var outcomeMetric = metric ?? experiment.PrimaryMetric;
        var armIds = treatedArms.Select(v => v.Id).Append(control.Id).ToList();
        var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId && armIds.Contains(a.VariantId)).OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.CustomerId, a.VariantId, a.Converted, a.Clicked, a.Visited, a.Revenue, a.CovariatesJson, a.AssignedAt })
            .ToListAsync(ct);
        if (rows.Count < 200)
        {
            throw new ArgumentException($"Only {Plural.Of(rows.Count, "customer")} {(rows.Count == 1 ? "is" : "are")} in these arms; uplift models need at least a few hundred.");
        }

        var treated = rows.Select(r => r.VariantId != control.Id).ToArray();
        var outcome = rows.Select(r => outcomeMetric switch
        {
            PrimaryMetric.Conversion => r.Converted == true ? 1.0 : 0,
            PrimaryMetric.Click => r.Clicked == true ? 1.0 : 0,
            PrimaryMetric.Visit => r.Visited == true ? 1.0 : 0,
            _ => (double)(r.Revenue ?? 0m),
        }).ToArray();
        if (treated.All(t => t) || treated.All(t => !t))
        {
            throw new ArgumentException("Both the control and a treated arm need customers.");
        }

        var encoded = await CovariatesAsync(db, experiment, rows.Select(r => new CovariateSource(r.CovariatesJson, r.CustomerId, r.AssignedAt)).ToList(), ct);
        var dataset = new UpliftDataset(encoded.Features, encoded.FeatureNames, treated, outcome);
        var treatmentLabel = treatedArms.Count == 1 ? treatedArms[0].Name : string.Join(" + ", treatedArms.Select(v => v.Name));
        return new UpliftInput(dataset, rows.Select(r => r.Id).ToArray(), rows.Select(r => r.CustomerId).ToArray(), encoded.Groups,
            DisplayNames.Outcome(outcomeMetric), treatmentLabel, control.Name);
    }

    /// <summary>
    /// The features of an experiment's rows, in their order: the imported covariates when every row has them, else the studio
    /// customers as they were before the experiment started. Uplift and offer policies learn from the same features.
    /// </summary>
    public static async Task<EncodedCovariates> CovariatesAsync(AppDbContext db, Experiment experiment, IReadOnlyList<CovariateSource> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count > 0 && rows.All(r => r.CovariatesJson is not null))
        {
            var parsed = rows.Select(r => JsonSerializer.Deserialize<Dictionary<string, string>>(r.CovariatesJson!) ?? []).ToList();
            var names = parsed.SelectMany(p => p.Keys).Distinct(StringComparer.Ordinal).ToList();
            if (names.Count > 0)
            {
                return CovariateEncoder.Encode(names.Select(n => (n, parsed.Select(p => p.GetValueOrDefault(n) ?? "").ToArray())).ToList());
            }
        }
        else if (rows.Count > 0 && rows.All(r => r.CustomerId is not null))
        {
            var start = experiment.StartedAt ?? rows.Min(r => r.AssignedAt);
            return await CustomerCovariatesAsync(db, experiment.Id, rows.Select(r => r.CustomerId!.Value).ToArray(), start, ct);
        }

        throw new ArgumentException("The experiment's rows have no covariates to learn from (neither imported columns nor studio customers).");
    }

    private static async Task<EncodedCovariates> CustomerCovariatesAsync(AppDbContext db, int experimentId, long[] customerIds, DateTime start, CancellationToken ct)
    {
        var inExperiment = db.Assignments.Where(a => a.ExperimentId == experimentId);
        var customers = await db.Customers.AsNoTracking().Where(c => inExperiment.Any(a => a.CustomerId == c.Id))
            .Select(c => new { c.Id, c.BirthYear, c.Gender, c.AgeBand, c.Country, c.CreatedAt }).ToDictionaryAsync(c => c.Id, ct);
        var purchases = await db.Purchases.AsNoTracking().Where(p => p.PurchasedAt < start && inExperiment.Any(a => a.CustomerId == p.CustomerId))
            .GroupBy(p => p.CustomerId).Select(g => new { g.Key, Orders = g.Count(), Spend = g.Sum(p => p.Amount), Last = g.Max(p => p.PurchasedAt) })
            .ToDictionaryAsync(x => x.Key, ct);
        var since = start.AddDays(-OpensLookbackDays);
        var opens = await db.CustomerEvents.AsNoTracking()
            .Where(e => e.Type == EventTypes.EmailOpen && e.OccurredAt >= since && e.OccurredAt < start && inExperiment.Any(a => a.CustomerId == e.CustomerId))
            .GroupBy(e => e.CustomerId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);

        string Number(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";
        var columns = new List<(string, string[])>
        {
            ("orders before", customerIds.Select(id => Number(purchases.TryGetValue(id, out var p) ? p.Orders : 0)).ToArray()),
            ("spend before", customerIds.Select(id => Number(purchases.TryGetValue(id, out var p) ? (double)p.Spend : 0)).ToArray()),
            ("days since last order", customerIds.Select(id => Number(purchases.TryGetValue(id, out var p) ? Math.Round((start - p.Last).TotalDays) : null)).ToArray()),
            ("days as customer", customerIds.Select(id => Number(customers.TryGetValue(id, out var c) ? Math.Max(0, Math.Round((start - c.CreatedAt).TotalDays)) : null)).ToArray()),
            ("e-mail opens (90 days)", customerIds.Select(id => Number(opens.GetValueOrDefault(id))).ToArray()),
            ("age", customerIds.Select(id => Number(customers.TryGetValue(id, out var c) && c.BirthYear is { } y ? start.Year - y : null)).ToArray()),
            ("gender", customerIds.Select(id => customers.TryGetValue(id, out var c) ? c.Gender ?? "" : "").ToArray()),
            ("country", customerIds.Select(id => customers.TryGetValue(id, out var c) ? c.Country ?? "" : "").ToArray()),
        };
        var encoded = CovariateEncoder.Encode(columns);

        // Readable groups for the per-group effect and fairness views, in the words marketers use.
        var groups = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["gender"] = customerIds.Select(id => customers.TryGetValue(id, out var c) && !string.IsNullOrEmpty(c.Gender) ? c.Gender! : FairnessCheck.NotGiven).ToArray(),
            ["age band"] = customerIds.Select(id => customers.TryGetValue(id, out var c) && !string.IsNullOrEmpty(c.AgeBand) ? c.AgeBand! : FairnessCheck.NotGiven).ToArray(),
            ["country"] = customerIds.Select(id => customers.TryGetValue(id, out var c) && !string.IsNullOrEmpty(c.Country) ? c.Country! : FairnessCheck.NotGiven).ToArray(),
            ["orders before"] = customerIds.Select(id => (purchases.TryGetValue(id, out var p) ? p.Orders : 0) switch
            {
                0 => "no orders",
                1 => "1 order",
                < 5 => "2–4 orders",
                _ => "5+ orders",
            }).ToArray(),
            ["e-mail opens (90 days)"] = encoded.Groups["e-mail opens (90 days)"],
            ["spend before"] = encoded.Groups["spend before"],
        };
        return encoded with { Groups = groups };
    }
}
