using CampaignStudio.Analytics.Offers;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Web.Features.Experiments.Uplift;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>An experiment as offer-policy training data, with the keys to find each row again.</summary>
public sealed record OfferInput(int ExperimentId, OfferExperiment Data, long[] AssignmentIds, IReadOnlyDictionary<string, string[]> Groups, double Margin,
    IReadOnlyList<ArmCostsInput> Costs);

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
        var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId).OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.CustomerId, a.VariantId, a.Converted, a.Revenue, a.CovariatesJson, a.AssignedAt })
            .ToListAsync(ct);
        if (rows.All(r => r.Revenue is null))
        {
            throw new ArgumentException("The offers are compared by what each customer brought in after the discount and costs, and this experiment has no revenue per customer.");
        }

        var encoded = await UpliftDataLoader.CovariatesAsync(db, experiment, rows.Select(r => new CovariateSource(r.CovariatesJson, r.CustomerId, r.AssignedAt)).ToList(), ct);
        var armOf = arms.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var arm = rows.Select(r => armOf[r.VariantId]).ToArray();
        var revenue = rows.Select(r => (double)(r.Revenue ?? 0m)).ToArray();

        // The files and outcomes hold revenue and a conversion flag, not an order count: a customer who bought counts as one order.
        var orders = rows.Select(r => r.Converted == true || r.Revenue > 0 ? 1 : 0).ToArray();
        var margin = experiment.GrossMargin ?? studioMargin;
        var costs = arms.Select(ArmOfferCosts.Of).ToList();
        var value = OfferValue.Of(arm, revenue, orders, costs, margin);

        // The planned split is the known chance of each arm (decision 038: arm weights are the plan, not the counts).
        var data = new OfferExperiment(encoded.Features, encoded.FeatureNames, arms.Select(v => v.Name).ToList(), control,
            arms.Select(v => v.Weight).ToList(), arm, value);
        return new OfferInput(experimentId, data, rows.Select(r => r.Id).ToArray(), encoded.Groups, margin, arms.Select(ArmOfferCosts.Input).ToList());
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
    public static OfferPolicyResult Result(OfferInput input, OfferPolicy policy, DateTime trainedAt)
    {
        var data = input.Data;
        var shares = Enumerable.Range(0, data.ArmCount).Select(a =>
        {
            var who = Enumerable.Range(0, data.Count).Where(i => policy.RecommendedAssignment[i] == a).ToArray();
            var means = data.FeatureNames.Select((name, f) => (name, mean: who.Length == 0 ? double.NaN : who.Average(i => (double)data.Features[i][f])))
                .GroupBy(x => x.name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().mean, StringComparer.Ordinal);
            return new OfferShare(data.ArmNames[a], who.Length, (double)who.Length / data.Count,
                (double)policy.LearnedAssignment.Count(x => x == a) / data.Count, means);
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
            AssignmentIds = input.AssignmentIds,
            Recommended = policy.RecommendedAssignment,
            Learned = policy.LearnedAssignment,
            ExpectedValues = policy.ExpectedValues,
            Groups = input.Groups,
        };
    }
}
