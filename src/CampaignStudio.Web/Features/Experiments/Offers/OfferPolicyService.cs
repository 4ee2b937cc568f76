using System.Globalization;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data;
using CampaignStudio.Data.Exports;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Training;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>The margin and costs of an experiment's offers as the form shows them.</summary>
/// <param name="Margin">The margin the offers are valued with.</param>
/// <param name="ExperimentMargin">The experiment's own margin; null when it uses the studio's.</param>
/// <param name="StudioMargin">The studio's setting.</param>
/// <param name="Arms">Arm name → its costs, in the experiment's order.</param>
/// <param name="ControlArm">The control arm's name.</param>
public sealed record OfferCostsView(double Margin, double? ExperimentMargin, double StudioMargin, IReadOnlyList<KeyValuePair<string, ArmCostsInput>> Arms, string ControlArm);

/// <summary>Costs that cannot be saved; every problem is a sentence.</summary>
public sealed class OfferCostsException(IReadOnlyList<string> problems) : ArgumentException(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// "Which offer for whom": the shop's margin, the offers' costs, training a policy in the background, its evaluation and
/// recommendation, who gets which offer (with the fairness check), and the per-row policy as CSV. The page and the API call
/// the same methods, with the same role checks.
/// </summary>
public sealed class OfferPolicyService(IDbContextFactory<AppDbContext> dbFactory, OfferPolicyJobs jobs, OfferPolicyStore store, GrossMarginStore margins,
    CurrentUser user)
{
    /// <summary>The studio's gross margin (every role may read it).</summary>
    public async Task<double> MarginAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await margins.GetAsync(ct);
    }

    /// <summary>Sets the studio's gross margin (Admin or Marketer).</summary>
    /// <exception cref="OfferCostsException">The margin is not a share in (0, 1].</exception>
    public async Task SaveMarginAsync(double margin, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        if (new OfferCostsInput(margin).Problems([]) is { Count: > 0 } problems)
        {
            throw new OfferCostsException(problems);
        }

        await margins.SaveAsync(margin, ct);
    }

    /// <summary>The experiment's margin and arm costs; null for an unknown experiment.</summary>
    public async Task<OfferCostsView?> CostsAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct);
        if (experiment is null)
        {
            return null;
        }

        var studio = await margins.GetAsync(ct);
        var arms = experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        return new OfferCostsView(experiment.GrossMargin ?? studio, experiment.GrossMargin, studio,
            arms.Select(v => KeyValuePair.Create(v.Name, ArmCostsInput.From(ArmOfferCosts.Of(v)))).ToList(), arms.FirstOrDefault(v => v.IsControl)?.Name ?? "");
    }

    /// <summary>Saves the experiment's margin (when given) and arm costs (arms not named cost nothing).</summary>
    /// <exception cref="OfferCostsException">A margin or cost is out of range, or an arm is unknown.</exception>
    public async Task SaveCostsAsync(int experimentId, OfferCostsInput costs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(costs);
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new ArgumentException("Unknown experiment.");
        if (costs.Problems(experiment.Variants.OrderBy(v => v.SortOrder).Select(v => v.Name).ToList()) is { Count: > 0 } problems)
        {
            throw new OfferCostsException(problems);
        }

        costs.ApplyTo(experiment);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Saves the costs (when given) and starts training in the background (Admin or Marketer); the returned task completes
    /// when the job ends. Refuses, in words, an experiment that is not finished or has an arm too small to learn from
    /// (<see cref="ArgumentException"/>), and a second run while one is queued or running on any instance (<see cref="TrainingRefusedException"/>).
    /// </summary>
    public async Task<Task> StartAsync(int experimentId, OfferCostsInput? costs = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var experiment = await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new ArgumentException("Unknown experiment.");
            if (experiment.Status is not (ExperimentStatus.Finished or ExperimentStatus.Archived))
            {
                throw new ArgumentException("A policy learns from a finished experiment; finish this one first.");
            }

        }

        if (costs is not null)
        {
            await SaveCostsAsync(experimentId, costs, ct);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await OfferDataLoader.CheckArmSizesAsync(db, experimentId, ct);
        }

        return await jobs.StartAsync(experimentId, ct);
    }

    /// <summary>The running or last run's state as every instance sees it; a stored policy without any run (trained before runs were recorded) is done.</summary>
    public async Task<OfferPolicyStatus?> StatusAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        if (await jobs.StatusAsync(experimentId, ct) is { } p)
        {
            return new OfferPolicyStatus(p.State switch
            {
                TrainingRunState.Queued => OfferPolicyState.Queued,
                TrainingRunState.Running => OfferPolicyState.Running,
                TrainingRunState.Succeeded => OfferPolicyState.Done,
                _ => OfferPolicyState.Failed,
            }, p.Progress, p.Stage, p.Error);
        }

        return await store.GetAsync(experimentId, ct) is null ? null : new OfferPolicyStatus(OfferPolicyState.Done, 1, "Done", null);
    }

    public async Task<OfferPolicyResult?> ResultAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await store.GetAsync(experimentId, ct);
    }

    /// <summary>
    /// Per arm who the recommendation gives it, by group of <paramref name="attribute"/>, with the mean expected gain over the
    /// control; groups under <paramref name="minGroupSize"/> (the privacy k) are listed but not compared.
    /// </summary>
    public static IReadOnlyList<FairnessReport> FairnessPerArm(OfferPolicyResult result, string attribute, int minGroupSize = SmallGroups.DefaultMinimum)
    {
        ArgumentNullException.ThrowIfNull(result);
        var groups = result.Groups.TryGetValue(attribute, out var g) ? g : throw new ArgumentException($"Unknown attribute '{attribute}'.");
        return OfferFairness.PerArm(groups, result.AsPolicy(), result.ControlArm, minGroupSize: minGroupSize);
    }

    /// <summary>
    /// <c>customer_id,arm</c> for every row: the file's id, else the studio customer's external id, else the row's number in
    /// the experiment (from 1); the arm is the recommended one. Text cells are spreadsheet-safe. False when no policy is trained.
    /// </summary>
    public async Task<bool> WritePolicyCsvAsync(int experimentId, Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var result = await store.GetAsync(experimentId, ct);
        if (result is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keys = await (from a in db.Assignments.AsNoTracking()
                          where a.ExperimentId == experimentId
                          join c in db.Customers on a.CustomerId equals c.Id into customers
                          from c in customers.DefaultIfEmpty()
                          orderby a.Id
                          select new { a.Id, a.RowKey, ExternalId = c == null ? null : c.ExternalId }).ToListAsync(ct);
        var arms = result.AssignmentIds.Select((id, i) => (id, arm: result.ArmNames[result.Recommended[i]])).ToDictionary(x => x.id, x => x.arm);
        var rows = keys.Select((k, i) => new object?[] { k.RowKey ?? k.ExternalId ?? (i + 1).ToString(CultureInfo.InvariantCulture), arms.GetValueOrDefault(k.Id, "") });
        await SpreadsheetCsv.WriteAsync(output, ["customer_id", "arm"], rows, ct);
        return true;
    }

    /// <summary>The chart's label of the learned policy (each customer their own offer).</summary>
    public const string LearnedLabel = "Per customer";

    /// <summary>The chart's label of what is recommended: the learned policy, or the arm's name (short bars: it stands for "this arm for everyone").</summary>
    public static string RecommendedLabel(OfferPolicyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var recommendation = result.Evaluation.Recommendation;
        return recommendation.UseLearnedPolicy ? LearnedLabel : result.ArmNames[recommendation.Arm ?? result.Evaluation.BestSingleArm];
    }

    /// <summary>The value chart's bars: the learned policy first, then every arm for everyone, each with its 95 % interval.</summary>
    public static IReadOnlyList<IntervalPoint> ValuePoints(OfferPolicyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var evaluation = result.Evaluation;
        var learned = evaluation.LearnedPolicy;
        return evaluation.Arms.Select((v, a) => new IntervalPoint(result.ArmNames[a], v.ValuePerCustomer, v.Ci.Lower, v.Ci.Upper))
            .Prepend(new IntervalPoint(LearnedLabel, learned.ValuePerCustomer, learned.Ci.Lower, learned.Ci.Upper))
            .ToList();
    }

    /// <summary>The three features in which an offer's customers differ most from everyone, as "feature mean (all: mean)".</summary>
    public static string Profile(OfferPolicyResult result, OfferShare share)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(share);
        var overall = result.Shares.Where(s => s.Customers > 0).ToList();
        var total = overall.Sum(s => s.Customers);
        string Format(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.##", CultureInfo.CurrentCulture);
        var parts = share.FeatureMeans
            .Where(f => double.IsFinite(f.Value))
            .Select(f =>
            {
                var all = overall.Sum(s => s.FeatureMeans.GetValueOrDefault(f.Key) * s.Customers) / total;
                var spread = Math.Abs(all) > 1e-9 ? Math.Abs(f.Value - all) / Math.Abs(all) : Math.Abs(f.Value);
                return (f.Key, f.Value, all, spread);
            })
            .OrderByDescending(f => f.spread).Take(3)
            .Select(f => $"{f.Key} {Format(f.Value)} (all: {Format(f.all)})");
        return string.Join(" · ", parts);
    }
}
