using CampaignStudio.Analytics.Offers;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Training.Uplift;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Training.Offers;

/// <summary>An experiment as offer-policy training data, with the keys to find each row again.</summary>
/// <param name="ExperimentId">The experiment trained on.</param>
/// <param name="Data">Its rows first, then those of the rounds launched from it (<see cref="RoundRows"/>).</param>
/// <param name="AssignmentIds">Every training row's assignment.</param>
/// <param name="Groups">Per attribute every training row's group.</param>
/// <param name="Margin">The margin the values use.</param>
/// <param name="Costs">The arms' costs, in the arms' order.</param>
public sealed record OfferInput(int ExperimentId, OfferExperiment Data, long[] AssignmentIds, IReadOnlyDictionary<string, string[]> Groups, double Margin,
    IReadOnlyList<OfferCosts> Costs)
{
    /// <summary>Rows of the rounds launched from the experiment (with their logged chances), after its own.</summary>
    public int RoundRows { get; init; }

    /// <summary>The experiment's own rows: the first of <see cref="Data"/>; what the policy is exported and launched for.</summary>
    public int OwnRows => Data.Count - RoundRows;
}

/// <summary>
/// Builds "which offer for whom" training data from a finished experiment: every row in its arm, valued in money with the
/// arms' costs and the margin, and the same features the uplift models learn from (imported covariates, or the studio
/// customers as they were before the start).
/// </summary>
public static class OfferDataLoader
{
    /// <summary>Customers an arm needs at least: every arm needs customers in each training fold for its value model.</summary>
    public const int MinCustomersPerArm = 100;

    public static async Task<OfferInput> LoadAsync(AppDbContext db, int experimentId, double studioMargin, CancellationToken ct)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct)
            ?? throw new ArgumentException("Unknown experiment.");
        var arms = experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        var control = arms.FindIndex(v => v.IsControl);
        if (control < 0)
        {
            throw new ArgumentException("The experiment has no control arm to measure the offers against.");
        }

        await CheckArmSizesAsync(db, experimentId, ct);
        var own = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId).OrderBy(a => a.Id)
            .Select(a => new Row(a.Id, a.CustomerId, a.VariantId, a.Converted, a.Revenue, a.CovariatesJson, a.AssignedAt, null)).ToListAsync(ct);
        if (own.All(r => r.Revenue is null))
        {
            throw new ArgumentException("The offers are compared by what each customer brought in after the discount and costs, and this experiment has no revenue per customer.");
        }

        // The rounds launched from it, and from those (a policy improves round after round): their measured rows join the
        // training with the chance each customer had of their offer, mapped to this experiment's arms by name.
        var armOf = arms.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var byName = arms.Select((v, i) => (v.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var rounds = await RoundsLaunchedFromAsync(db, experimentId, ct);
        var roundArm = await db.Variants.AsNoTracking().Where(v => rounds.Contains(v.ExperimentId)).Select(v => new { v.Id, v.Name }).ToListAsync(ct);
        foreach (var v in roundArm.Where(v => byName.ContainsKey(v.Name)))
        {
            armOf[v.Id] = byName[v.Name];
        }

        var later = rounds.Count == 0 ? [] : await db.Assignments.AsNoTracking()
            .Where(a => rounds.Contains(a.ExperimentId) && a.Propensity != null && (a.Converted != null || a.Revenue != null))
            .OrderBy(a => a.ExperimentId).ThenBy(a => a.Id)
            .Select(a => new Row(a.Id, a.CustomerId, a.VariantId, a.Converted, a.Revenue, a.CovariatesJson, a.AssignedAt, a.Propensity)).ToListAsync(ct);
        var rows = own.Concat(later.Where(r => armOf.ContainsKey(r.VariantId))).ToList();

        var encoded = await UpliftDataLoader.CovariatesAsync(db, experiment, rows.Select(r => new CovariateSource(r.CovariatesJson, r.CustomerId, r.AssignedAt)).ToList(), ct);
        var arm = rows.Select(r => armOf[r.VariantId]).ToArray();
        var revenue = rows.Select(r => (double)(r.Revenue ?? 0m)).ToArray();

        // The files and outcomes hold revenue and a conversion flag, not an order count: a customer who bought counts as one order.
        var orders = rows.Select(r => r.Converted == true || r.Revenue > 0 ? 1 : 0).ToArray();
        var margin = experiment.GrossMargin ?? studioMargin;
        var costs = arms.Select(ArmOfferCosts.Of).ToList();
        var value = OfferValue.Of(arm, revenue, orders, costs, margin);

        // The planned split is the known chance of each arm of the experiment's own rows (decision 038: arm weights are the
        // plan, not the counts); a launched round's rows bring the chance logged for each.
        var total = arms.Sum(v => v.Weight);
        var propensity = rows.Select((r, i) => r.Propensity ?? arms[arm[i]].Weight / total).ToArray();
        var data = new OfferExperiment(encoded.Features, encoded.FeatureNames, arms.Select(v => v.Name).ToList(), control,
            arms.Select(v => v.Weight).ToList(), arm, value, propensity);
        return new OfferInput(experimentId, data, rows.Select(r => r.Id).ToArray(), encoded.Groups, margin, costs)
        {
            RoundRows = rows.Count - own.Count,
        };
    }

    private sealed record Row(long Id, long? CustomerId, int VariantId, bool? Converted, decimal? Revenue, string? CovariatesJson, DateTime AssignedAt, double? Propensity);

    /// <summary>Every experiment launched from this one, directly or through rounds launched from its rounds.</summary>
    public static async Task<List<int>> RoundsLaunchedFromAsync(AppDbContext db, int experimentId, CancellationToken ct)
    {
        var found = new List<int>();
        var frontier = new List<int> { experimentId };
        while (frontier.Count > 0)
        {
            var next = await db.Experiments.AsNoTracking().Where(e => e.LaunchedFromExperimentId != null && frontier.Contains(e.LaunchedFromExperimentId.Value))
                .Select(e => e.Id).ToListAsync(ct);
            frontier = next.Except(found).Where(id => id != experimentId).ToList();
            found.AddRange(frontier);
        }

        return found;
    }

    /// <summary>Refuses an experiment with an arm too small to learn from, naming the arm (before a job is started, and again in it).</summary>
    public static async Task CheckArmSizesAsync(AppDbContext db, int experimentId, CancellationToken ct)
    {
        var sizes = await db.Variants.AsNoTracking().Where(v => v.ExperimentId == experimentId).OrderBy(v => v.SortOrder)
            .Select(v => new { v.Name, Customers = db.Assignments.Count(a => a.ExperimentId == experimentId && a.VariantId == v.Id) })
            .ToListAsync(ct);
        var small = sizes.Where(s => s.Customers < MinCustomersPerArm).ToList();
        if (small.Count > 0)
        {
            throw new ArgumentException(
                $"Learning which offer suits whom needs at least {MinCustomersPerArm} customers in every arm; " +
                string.Join(", ", small.Select(s => $"'{s.Name}' has {Plural.Of(s.Customers, "customer")}")) + ".");
        }
    }

    /// <summary>The stored result of a training: the evaluation, the shares and profiles of who gets which offer, and per row the offers.</summary>
    /// <remarks>
    /// The evaluation is of every training row, later rounds included; the offers per row, the shares, the profiles and the
    /// groups are of the experiment's own rows, the ones exported and launched.
    /// </remarks>
    public static OfferPolicyResult Result(OfferInput input, OfferPolicy policy, DateTime trainedAt)
    {
        var data = input.Data;
        var n = input.OwnRows;
        var shares = Enumerable.Range(0, data.ArmCount).Select(a =>
        {
            var who = Enumerable.Range(0, n).Where(i => policy.RecommendedAssignment[i] == a).ToArray();
            var means = data.FeatureNames.Select((name, f) => (name, mean: who.Length == 0 ? double.NaN : who.Average(i => (double)data.Features[i][f])))
                .GroupBy(x => x.name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().mean, StringComparer.Ordinal);
            return new OfferShare(data.ArmNames[a], who.Length, (double)who.Length / n,
                (double)policy.LearnedAssignment.Take(n).Count(x => x == a) / n, means);
        }).ToList();
        return new OfferPolicyResult
        {
            ExperimentId = input.ExperimentId,
            TrainedAt = trainedAt,
            Margin = input.Margin,
            ArmNames = data.ArmNames,
            ControlArm = data.ControlArm,
            Costs = input.Costs,
            FeatureNames = data.FeatureNames,
            Evaluation = policy.Evaluation,
            Shares = shares,
            AssignmentIds = input.AssignmentIds[..n],
            Recommended = policy.RecommendedAssignment[..n],
            Learned = policy.LearnedAssignment[..n],
            ExpectedValues = policy.ExpectedValues[..n],
            Groups = input.Groups.ToDictionary(g => g.Key, g => g.Value[..n], StringComparer.Ordinal),
            TrainingRows = data.Count,
            RoundRows = input.RoundRows,
        };
    }
}
