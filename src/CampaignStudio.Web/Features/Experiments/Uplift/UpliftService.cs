using System.Globalization;
using System.Text;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data;
using CampaignStudio.Data.Exports;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Training;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Infrastructure;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments.Uplift;

/// <summary>
/// Uplift modelling of a finished experiment: start/cancel training, read the stored evaluation, compare targeting rules,
/// check fairness, turn "the top X % by predicted uplift" into a segment with a random holdout, export the scores.
/// </summary>
public sealed class UpliftService(IDbContextFactory<AppDbContext> dbFactory, UpliftJobs jobs, UpliftStore store, CurrentUser user, TimeProvider clock)
{
    /// <summary>Share of the targeted customers kept back at random, to prove the gain when the campaign runs.</summary>
    public const double DefaultHoldoutShare = 0.1;

    /// <summary>The running or last run's state as every instance sees it; null when none was started.</summary>
    public async Task<UpliftJobStatus?> StatusAsync(int experimentId)
    {
        await user.RequireAsync(Policies.CanRead);
        return await jobs.StatusAsync(experimentId) is { } p ? new UpliftJobStatus(p.IsRunning, p.Progress, p.Stage, p.Error, p.State == TrainingRunState.Cancelled) : null;
    }

    /// <summary>
    /// Starts training in the background (Admin/Marketer); the returned task completes when the job ends. Refused in words
    /// while a run is queued or running on any instance (<see cref="TrainingRefusedException"/>).
    /// </summary>
    public async Task<Task> StartAsync(int experimentId, UpliftRequest request, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new ArgumentException("Unknown experiment.");
        if (experiment.Status is not (ExperimentStatus.Finished or ExperimentStatus.Archived))
        {
            throw new ArgumentException("Uplift models learn from a finished experiment; finish this one first.");
        }

        if (request.Folds is < 2 or > 10 || request.NumberOfTrees is < 5 or > 1_000)
        {
            throw new ArgumentException("Use 2–10 folds and 5–1,000 trees.");
        }

        return await jobs.StartAsync(experimentId, request, ct);
    }

    public async Task CancelAsync(int experimentId)
    {
        await user.RequireAsync(Policies.CanEdit);
        await jobs.CancelAsync(experimentId);
    }

    public async Task<UpliftResult?> ResultAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await store.GetAsync(experimentId, ct);
    }

    /// <summary>Expected incremental outcomes of targeting the top <paramref name="fraction"/> by uplift, by propensity, at random and everyone.</summary>
    public static TargetingComparison Compare(UpliftResult result, string learner, double fraction) =>
        UpliftEvaluation.CompareTargeting(ScoresOf(result, learner), result.Propensity, result.Treated, result.Outcome, Math.Clamp(fraction, 0.01, 1));

    /// <summary>Observed effect with CI per group of <paramref name="attribute"/>, with the learner's mean prediction.</summary>
    public static IReadOnlyList<GroupEffect> EffectByGroup(UpliftResult result, string attribute, string learner) =>
        UpliftEvaluation.EffectByGroup(GroupsOf(result, attribute), result.Treated, result.Outcome, ScoresOf(result, learner));

    /// <summary>
    /// Selection rate and predicted uplift per group when the top <paramref name="fraction"/> is targeted; groups whose value is
    /// not given and groups under <paramref name="minGroupSize"/> (the privacy k) are listed but not compared.
    /// </summary>
    public static FairnessReport Fairness(UpliftResult result, string attribute, string learner, double fraction, int minGroupSize = SmallGroups.DefaultMinimum) =>
        FairnessCheck.EvaluateTopFraction(GroupsOf(result, attribute), ScoresOf(result, learner), Math.Clamp(fraction, 0.01, 1), minGroupSize: minGroupSize);

    /// <summary>
    /// Creates a list segment of the experiment's customers in the top <paramref name="fraction"/> by predicted uplift, minus a random
    /// holdout (a hash of the segment and customer, so it is reproducible) stored as its own segment to compare with after the campaign.
    /// </summary>
    public async Task<UpliftSegmentResult> CreateTargetSegmentAsync(int experimentId, string learner, double fraction, double holdoutShare, string? name,
        CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        if (fraction is <= 0 or > 1 || holdoutShare is < 0 or >= 0.5)
        {
            throw new ArgumentException("Target between 1 % and 100 % and keep a holdout below 50 %.");
        }

        var result = await store.GetAsync(experimentId, ct) ?? throw new ArgumentException("Train the uplift models first.");
        if (!result.HasStudioCustomers)
        {
            throw new ArgumentException("This experiment's rows came from a file and name no studio customers, so there is nobody to put in a segment.");
        }

        var selected = UpliftEvaluation.SelectTop(ScoresOf(result, learner), fraction);
        var chosen = result.CustomerIds.Where((c, i) => selected[i] && c is not null).Select(c => c!.Value).Distinct().ToList();
        var salt = $"uplift-holdout:{experimentId}:{clock.GetUtcNow().UtcTicks}";
        var holdout = chosen.Where(id => Domain.Experiments.VariantPicker.Unit(salt, id) < holdoutShare).ToHashSet();
        var targeted = chosen.Where(id => !holdout.Contains(id)).ToList();

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experimentName = await db.Experiments.Where(e => e.Id == experimentId).Select(e => e.Name).FirstAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var author = await user.NameAsync();
        var baseName = string.IsNullOrWhiteSpace(name) ? $"Top {fraction:P0} by uplift — {experimentName}" : name.Trim();
        baseName = baseName[..Math.Min(baseName.Length, Limits.Title - 12)];
        Segment Make(string segmentName, string description, int count) => new()
        {
            Name = segmentName,
            Description = description[..Math.Min(description.Length, Limits.Description)],
            Kind = SegmentKind.Uplift,
            MemberCount = count,
            CountedAt = now,
            CreatedBy = author,
            CreatedAt = now,
            UpdatedAt = now,
        };

        var target = Make(baseName, $"The {fraction:P0} of “{experimentName}”'s customers with the highest predicted uplift ({Learners.Label(learner)}), " +
            $"minus a random {holdoutShare:P0} holdout kept in the segment “{baseName} (holdout)”.", targeted.Count);
        var hold = Make(baseName + " (holdout)", $"Random {holdoutShare:P0} of the top {fraction:P0} by predicted uplift, not to be mailed: compare its purchases with “{baseName}”.", holdout.Count);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Segments.AddRange(target, hold);
        await db.SaveChangesAsync(ct);
        db.SegmentMembers.AddRange(targeted.Select(id => new SegmentMember { SegmentId = target.Id, CustomerId = id }));
        db.SegmentMembers.AddRange(holdout.Select(id => new SegmentMember { SegmentId = hold.Id, CustomerId = id }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new UpliftSegmentResult(target.Id, hold.Id, targeted.Count, holdout.Count);
    }

    /// <summary>Per-customer scores as CSV; text cells are made spreadsheet-safe (no formulas).</summary>
    public async Task<bool> WriteScoresCsvAsync(int experimentId, Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var result = await store.GetAsync(experimentId, ct);
        if (result is null)
        {
            return false;
        }

        var externalIds = new Dictionary<long, string?>();
        Dictionary<long, string?> fileIds;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (result.HasStudioCustomers)
            {
                externalIds = await db.Customers.AsNoTracking().Where(c => db.Assignments.Any(a => a.ExperimentId == experimentId && a.CustomerId == c.Id))
                    .Select(c => new { c.Id, c.ExternalId }).ToDictionaryAsync(c => c.Id, c => c.ExternalId, ct);
            }

            fileIds = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId && a.RowKey != null)
                .Select(a => new { a.Id, a.RowKey }).ToDictionaryAsync(a => a.Id, a => a.RowKey, ct);
        }

        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        string[] header = ["row", "customer_id", "external_id", "file_id", "arm", "outcome", .. Learners.All.Select(l => "uplift_" + l), "purchase_propensity"];
        foreach (var h in header)
        {
            csv.WriteField(h);
        }

        await csv.NextRecordAsync();
        for (var i = 0; i < result.Count; i++)
        {
            var customer = result.CustomerIds[i];
            csv.WriteField(result.AssignmentIds[i]);
            csv.WriteField(customer?.ToString(CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(SpreadsheetCsv.Safe(customer is { } c ? externalIds.GetValueOrDefault(c) ?? "" : ""));
            csv.WriteField(SpreadsheetCsv.Safe(fileIds.GetValueOrDefault(result.AssignmentIds[i]) ?? ""));
            csv.WriteField(SpreadsheetCsv.Safe(result.Treated[i] ? result.TreatmentLabel : result.ControlLabel));
            csv.WriteField(result.Outcome[i].ToString("R", CultureInfo.InvariantCulture));
            foreach (var learner in Learners.All)
            {
                csv.WriteField(result.Scores.TryGetValue(learner, out var s) ? s[i].ToString("R", CultureInfo.InvariantCulture) : "");
            }

            csv.WriteField(result.Propensity[i].ToString("R", CultureInfo.InvariantCulture));
            await csv.NextRecordAsync();
        }

        return true;
    }

    public static double[] ScoresOf(UpliftResult result, string learner) =>
        result.Scores.TryGetValue(learner, out var scores) ? scores : throw new ArgumentException($"Unknown learner '{learner}'.");

    private static string[] GroupsOf(UpliftResult result, string attribute) =>
        result.Groups.TryGetValue(attribute, out var groups) ? groups : throw new ArgumentException($"Unknown attribute '{attribute}'.");
}
