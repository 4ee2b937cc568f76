using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Training.Offers;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>Experiments: the list and dashboard, design (arms, weights, holdout, metric, guardrails), sample-size planning and the start.</summary>
public sealed class ExperimentService(IDbContextFactory<AppDbContext> dbFactory, ExperimentAnalysisService analysis, UpliftStore uplift, CurrentUser user, TimeProvider clock,
    Privacy.PrivacySettingsService privacy, OfferPolicyStore offerPolicies)
{
    public const string HoldoutArmName = "Long-term holdout";

    public async Task<IReadOnlyList<ExperimentListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiments = await db.Experiments.AsNoTracking().Include(e => e.Variants).OrderByDescending(e => e.CreatedAt).ToListAsync(ct);
        var sizes = await db.Assignments.GroupBy(a => a.ExperimentId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return experiments.Select(e => new ExperimentListItem(e.Id, e.Name, e.Status, e.Source, e.PrimaryMetric, e.Variants.Count, sizes.GetValueOrDefault(e.Id), e.StartedAt, e.EndedAt)).ToList();
    }

    /// <summary>The manager's view: every experiment with its primary metric's best arm, lift and CI, verdict and SRM flag.</summary>
    public Task<IReadOnlyList<ExperimentSummary>> DashboardAsync(CancellationToken ct = default) => DashboardAsync(reading: null, ct);

    /// <summary>
    /// The dashboard with the intervals and verdicts of <paramref name="reading"/>; null shows each experiment's default
    /// (always valid while running, fixed horizon once finished). Both intervals are in every row.
    /// </summary>
    public async Task<IReadOnlyList<ExperimentSummary>> DashboardAsync(Reading? reading, CancellationToken ct = default)
    {
        var items = await ListAsync(ct);
        var k = await privacy.MinGroupSizeAsync(ct);
        var rows = new List<ExperimentSummary>(items.Count);
        foreach (var item in items)
        {
            // The default adjustment of the experiment page (CupedRule), labelled: the list and the page show the same lift.
            var readout = item.Customers == 0 ? null : await analysis.AnalyzeAsync(item.Id, null, useCuped: null, reading, ct);
            var best = readout?.Best;

            // No lift when the best arm or the control is hidden for privacy: the lift would give its rate away.
            var hidden = readout?.HiddenArms(k);
            var vs = best is not null && hidden is not null && !hidden.Contains(best.Name) && !readout!.Analysis!.Arms.Any(a => a.IsControl && hidden.Contains(a.Name))
                ? best.VsControl : null;
            var always = vs is null ? null : readout!.Sequential?.Arms.FirstOrDefault(a => a.Name == best!.Name);
            var shown = readout?.Reading ?? reading ?? AlwaysValidReading.DefaultFor(item.Status);
            var sequentialShown = shown == Reading.Sequential && always is not null;
            rows.Add(new ExperimentSummary(item.Id, item.Name, item.Status, item.Source, item.Metric, item.Arms,
                SmallGroups.IsSuppressed(item.Customers, k) ? null : item.Customers, item.StartedAt, item.EndedAt,
                best?.Name, vs?.RelativeLift,
                sequentialShown ? always!.RelativeAlwaysValid.Lower : vs?.RelativeLiftCi.Lower,
                sequentialShown ? always!.RelativeAlwaysValid.Upper : vs?.RelativeLiftCi.Upper, vs?.AbsoluteLift,
                readout?.Verdict ?? (item.Status == ExperimentStatus.Draft ? "Not started" : "No data"), readout?.SampleRatioMismatch ?? false)
            {
                Adjustment = ExperimentReadout.AdjustmentLabel(readout?.CupedApplied ?? false),
                Reading = shown,
                FixedLower = vs?.RelativeLiftCi.Lower,
                FixedUpper = vs?.RelativeLiftCi.Upper,
                AlwaysValidLower = always?.RelativeAlwaysValid.Lower,
                AlwaysValidUpper = always?.RelativeAlwaysValid.Upper,
            });
        }

        return rows;
    }

    public async Task<ExperimentDetail?> GetAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await DetailAsync(db, id, ct);
    }

    /// <summary>A winner rollout's design and decision (every role may read it); null when the experiment has none or does not exist.</summary>
    public async Task<RolloutState?> RolloutAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var e = await db.Experiments.AsNoTracking().Include(x => x.Variants).FirstOrDefaultAsync(x => x.Id == id, ct);
        return e is null ? null : RolloutOf(e);
    }

    internal static async Task<ExperimentDetail?> DetailAsync(AppDbContext db, int id, CancellationToken ct)
    {
        var e = await db.Experiments.AsNoTracking().Include(x => x.Variants).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (e is null)
        {
            return null;
        }

        var counts = await db.Assignments.Where(a => a.ExperimentId == id).GroupBy(a => a.VariantId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var withCustomers = await db.Assignments.AnyAsync(a => a.ExperimentId == id && a.CustomerId != null, ct);
        var withCovariates = await db.Assignments.AnyAsync(a => a.ExperimentId == id && a.CovariatesJson != null, ct);
        var audience = e.AudienceSegmentId is { } s ? await db.Segments.Where(x => x.Id == s).Select(x => x.Name).FirstOrDefaultAsync(ct) : null;
        var learnedFrom = e.LaunchedFromExperimentId is { } from
            ? await db.Experiments.Where(x => x.Id == from).Select(x => new ExperimentLink(x.Id, x.Name)).FirstOrDefaultAsync(ct)
            : null;
        var campaign = await db.Campaigns.Where(c => c.ExperimentId == id).OrderBy(c => c.Id).Select(c => new ExperimentLink(c.Id, c.Name)).FirstOrDefaultAsync(ct);
        var guardrails = string.IsNullOrEmpty(e.GuardrailsJson) ? [] : JsonSerializer.Deserialize<List<string>>(e.GuardrailsJson) ?? [];
        var arms = e.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id)
            .Select(v => new VariantDetail(v.Id, v.Name, v.IsControl, v.IsHoldout, v.Weight, v.EmailTemplateId, counts.GetValueOrDefault(v.Id))).ToList();
        return new ExperimentDetail(e.Id, e.Name, e.Hypothesis, e.Status, e.Source, e.PrimaryMetric, e.AudienceSegmentId, audience, e.AttributionWindowDays,
            e.HoldoutShare, guardrails, arms, counts.Values.Sum(), withCustomers, withCovariates, e.CreatedAt, e.StartedAt, e.EndedAt)
        {
            Plan = PowerPlanJson.Read(e.PowerPlanJson),
            LearnedFrom = learnedFrom,
            Campaign = campaign,
            Adaptive = e.Allocation == Allocation.Adaptive
                ? new AdaptiveDesign { Rounds = e.AllocationRounds, IntervalHours = (int)e.RoundInterval.TotalHours, BurnInRounds = e.BurnInRounds, FloorPerArm = e.FloorPerArm }
                : null,
            Rollout = RolloutOf(e),
        };
    }

    /// <summary>A rollout's design and where it stands, in words; null without one.</summary>
    public static RolloutState? RolloutOf(Experiment e)
    {
        if (e.RolloutTestShare is not { } share)
        {
            return null;
        }

        var design = new RolloutDesign { TestShare = share, WaitHours = (int)e.RolloutWait.TotalHours, Confidence = e.RolloutConfidence, FallbackArm = e.RolloutFallbackArm };
        var decidesAt = WinnerRollouts.DueAt(e);
        var fallback = e.RolloutFallbackArm ?? e.Variants.FirstOrDefault(v => v.IsControl)?.Name ?? "the control";
        var test = share.ToString("P0", CultureInfo.InvariantCulture);
        var confidence = e.RolloutConfidence.ToString("P0", CultureInfo.InvariantCulture);
        var winner = e.RolloutWinnerVariantId is { } w ? e.Variants.FirstOrDefault(v => v.Id == w)?.Name : null;
        var words = e.RolloutDecision
            ?? (decidesAt is { } at
                ? $"Testing on {test} of the audience. On {at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC the rest receives the arm with the highest chance to be best if it beats the control with {confidence} confidence, else “{fallback}”."
                : $"Tests on {test} of the audience, then after {design.WaitHours} hours the rest receives the arm with the highest chance to be best if it beats the control with {confidence} confidence, else “{fallback}”.");
        return new RolloutState(design, decidesAt, e.RolloutDecidedAt, winner, words);
    }

    /// <summary>The design of an existing experiment, to edit it (the holdout arm is shown as a share, not as an arm).</summary>
    public async Task<ExperimentDesign?> DesignAsync(int id, CancellationToken ct = default)
    {
        var detail = await GetAsync(id, ct);
        return detail is null ? null : new ExperimentDesign
        {
            Name = detail.Name,
            Hypothesis = detail.Hypothesis,
            AudienceSegmentId = detail.AudienceSegmentId,
            Metric = detail.Metric,
            AttributionWindowDays = detail.AttributionWindowDays,
            HoldoutShare = detail.HoldoutShare,
            Guardrails = detail.Guardrails.ToList(),
            Arms = detail.Arms.Where(a => !a.IsHoldout).Select(a => new ArmDesign { Name = a.Name, IsControl = a.IsControl, Weight = a.Weight, EmailTemplateId = a.EmailTemplateId }).ToList(),
            Power = detail.Plan ?? new PowerForm(),
            Allocation = detail.Adaptive is null ? Allocation.Fixed : Allocation.Adaptive,
            Adaptive = detail.Adaptive ?? new AdaptiveDesign(),
            Rollout = detail.Rollout?.Design,
        };
    }

    /// <summary>Problems of a design in the marketer's words; empty when it can be saved.</summary>
    public static IReadOnlyList<string> Validate(ExperimentDesign design)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(design.Name))
        {
            problems.Add("Give the experiment a name.");
        }
        else if (design.Name.Trim().Length > Limits.Title)
        {
            problems.Add($"The name is longer than {Limits.Title} characters.");
        }

        if (design.Arms.Count < 2)
        {
            problems.Add("An experiment needs a control and at least one variant.");
        }

        if (design.Arms.Count(a => a.IsControl) != 1)
        {
            problems.Add("Mark exactly one arm as the control.");
        }

        if (design.Arms.Any(a => string.IsNullOrWhiteSpace(a.Name)))
        {
            problems.Add("Every arm needs a name.");
        }

        if (design.Arms.Select(a => a.Name.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != design.Arms.Count)
        {
            problems.Add("Arm names must differ.");
        }

        if (design.Arms.Any(a => !(a.Weight > 0) || double.IsInfinity(a.Weight)))
        {
            problems.Add("Every arm needs a positive allocation weight.");
        }

        if (design.HoldoutShare is < 0 or > 0.5 || double.IsNaN(design.HoldoutShare))
        {
            problems.Add("The long-term holdout must be between 0 % and 50 % of the audience.");
        }

        if (design.AttributionWindowDays is < 1 or > 90)
        {
            problems.Add("The attribution window must be between 1 and 90 days.");
        }

        if (design.Guardrails.Any(g => !Guardrails.All.ContainsKey(g)))
        {
            problems.Add("Unknown guardrail metric.");
        }

        if (design.Allocation == Allocation.Adaptive)
        {
            problems.AddRange(ValidateAdaptive(design));
        }

        if (design.Rollout is { } rollout)
        {
            if (WinnerRollout.Problem(rollout.TestShare, TimeSpan.FromHours(rollout.WaitHours), rollout.Confidence, design.Allocation) is { } problem)
            {
                problems.Add(problem);
            }

            if (rollout.FallbackArm is { } fallback && !design.Arms.Any(a => a.Name.Trim() == fallback.Trim()))
            {
                problems.Add($"The rollout's fallback “{fallback}” is not an arm of this experiment.");
            }
        }

        return problems;
    }

    private static IEnumerable<string> ValidateAdaptive(ExperimentDesign design)
    {
        var a = design.Adaptive;
        if (a.Rounds is < 2 or > 100)
        {
            yield return "An adaptive experiment needs between 2 and 100 rounds.";
        }

        if (a.IntervalHours is < 1 or > 24 * 31)
        {
            yield return "The time between rounds must be between 1 hour and 31 days.";
        }

        if (a.BurnInRounds < 1 || a.BurnInRounds >= a.Rounds)
        {
            yield return "Keep equal weights for at least the first round and fewer rounds than there are.";
        }

        if (!(a.FloorPerArm >= 0) || a.FloorPerArm * Math.Max(design.Arms.Count, 1) >= 1)
        {
            yield return "The smallest share per arm must be at least 0 and leave room for the others (below 1 ÷ arms).";
        }

        // A long-term holdout keeps a fixed share for years; adaptive weights would move it.
        if (design.HoldoutShare > 0)
        {
            yield return "An adaptive experiment has no long-term holdout: use a fixed one for that.";
        }
    }

    /// <summary>Creates (id null) or updates a draft. Only drafts can change: once customers are assigned, the design is fixed.</summary>
    public async Task<int> SaveAsync(int? id, ExperimentDesign design, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var problems = Validate(design);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        Experiment experiment;
        if (id is null)
        {
            experiment = new Experiment
            {
                Status = ExperimentStatus.Draft,
                Source = ExperimentSource.Campaign,
                AssignmentSalt = Guid.NewGuid().ToString("N"),
                CreatedBy = await user.NameAsync(),
                CreatedAt = now,
            };
            db.Experiments.Add(experiment);
        }
        else
        {
            experiment = await db.Experiments.Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new ArgumentException("Unknown experiment.");
            var assigned = await db.Assignments.AnyAsync(a => a.ExperimentId == experiment.Id, ct);
            if (ExperimentLifecycle.WhyDesignIsFixed(experiment.Status, assigned) is { } why)
            {
                throw Refusal(experiment.Status, assigned, why);
            }

            db.Variants.RemoveRange(experiment.Variants);
            experiment.Variants = [];
        }

        experiment.Name = design.Name.Trim();
        experiment.Hypothesis = string.IsNullOrWhiteSpace(design.Hypothesis) ? null : design.Hypothesis.Trim()[..Math.Min(design.Hypothesis.Trim().Length, Limits.Description)];
        experiment.AudienceSegmentId = design.AudienceSegmentId;
        experiment.PrimaryMetric = design.Metric;
        experiment.AttributionWindowDays = design.AttributionWindowDays;
        experiment.HoldoutShare = design.HoldoutShare;
        experiment.GuardrailsJson = JsonSerializer.Serialize(design.Guardrails.Distinct());
        experiment.PowerPlanJson = PowerPlanJson.Write(design.Power);
        var adaptive = design.Allocation == Allocation.Adaptive;
        experiment.Allocation = design.Allocation;
        experiment.AllocationRounds = adaptive ? design.Adaptive.Rounds : 0;
        experiment.RoundInterval = adaptive ? TimeSpan.FromHours(design.Adaptive.IntervalHours) : TimeSpan.Zero;
        experiment.BurnInRounds = adaptive ? design.Adaptive.BurnInRounds : 0;
        experiment.FloorPerArm = adaptive ? design.Adaptive.FloorPerArm : 0;
        experiment.RolloutTestShare = design.Rollout?.TestShare;
        experiment.RolloutWait = design.Rollout is { } r ? TimeSpan.FromHours(r.WaitHours) : TimeSpan.Zero;
        experiment.RolloutConfidence = design.Rollout?.Confidence ?? 0;
        experiment.RolloutFallbackArm = string.IsNullOrWhiteSpace(design.Rollout?.FallbackArm) ? null : design.Rollout.FallbackArm.Trim();
        var arms = design.Arms.OrderBy(a => a.IsControl ? 0 : 1).ToList();
        experiment.Variants = arms.Select((a, i) => new Variant
        {
            Name = a.Name.Trim(),
            IsControl = a.IsControl,
            Weight = a.Weight,
            EmailTemplateId = a.EmailTemplateId,
            SortOrder = i,
        }).ToList();
        if (design.HoldoutShare > 0)
        {
            // The holdout's weight makes it exactly HoldoutShare of everyone: h / (h + Σw) = share.
            var total = arms.Sum(a => a.Weight);
            experiment.Variants.Add(new Variant { Name = HoldoutArmName, IsHoldout = true, Weight = design.HoldoutShare * total / (1 - design.HoldoutShare), SortOrder = arms.Count });
        }

        await db.SaveChangesAsync(ct);
        return experiment.Id;
    }

    /// <summary>
    /// What starting a draft would do, without doing it: the customers each arm would get (the same hash the start uses),
    /// what each arm receives, and the power of that split for the design's sample-size plan.
    /// </summary>
    public async Task<StartPreview> StartPreviewAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await PreviewAsync(db, id, ct);
    }

    /// <summary>
    /// Starts a draft: every mailable customer of the audience segment is assigned an arm (deterministic hash, recorded per
    /// customer, never changed afterwards). Assignment cannot be undone, so it needs <paramref name="confirmed"/>; with
    /// <paramref name="expectedCustomers"/> (the number the marketer confirmed) it also refuses when the audience has changed since.
    /// Returns the number of customers assigned.
    /// </summary>
    /// <exception cref="StartNotConfirmedException">Not confirmed; carries the preview to confirm.</exception>
    /// <exception cref="AudienceChangedException">The audience is no longer the confirmed size.</exception>
    public async Task<int> StartAsync(int id, bool confirmed, int? expectedCustomers = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Experiments.AnyAsync(e => e.Id == id && e.RolloutTestShare != null, ct))
        {
            // Starting alone would assign the whole audience; the test share and the rest are the campaign launch's to split.
            throw new ArgumentException("A winner rollout starts with its campaign: launch a campaign with this experiment, and it mails the test share first and the rest after the wait.");
        }

        var preview = await PreviewAsync(db, id, ct);
        if (preview.Customers == 0)
        {
            throw new ArgumentException("The audience has no customers who may receive e-mail.");
        }

        if (!confirmed)
        {
            throw new StartNotConfirmedException(
                $"Starting assigns {preview.Customers:N0} customers to the arms for good ({string.Join(", ", preview.Arms.Select(a => $"{a.Name} {a.Customers:N0}"))}); " +
                "it cannot be undone. Confirm to start.", preview);
        }

        var experiment = await db.Experiments.FirstAsync(e => e.Id == id, ct);
        var customers = await (await AudienceOfAsync(db, experiment.AudienceSegmentId!.Value, ct)).ToListAsync(ct);
        // The preview's count: the whole audience, or an adaptive experiment's first round.
        if (expectedCustomers is { } expected && expected != preview.Customers)
        {
            throw new AudienceChangedException(
                $"The audience changed since the confirmation: {preview.Customers:N0} customers would be assigned now, not {expected:N0}. Look at the new numbers and confirm again.",
                preview);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // Adaptive: the first round's equal weights are logged before anyone is assigned; only that round's customers are.
        var round = experiment.Allocation == Allocation.Adaptive ? await AdaptiveRounds.LogFirstRoundAsync(db, experiment, now, ct) : null;
        await ExperimentAssignments.AssignAsync(db, id, customers, now, ct);
        var assigned = round is null ? customers.Count : await AdaptiveRounds.CountRoundAsync(db, round, ct);
        experiment.Status = ExperimentStatus.Running;
        experiment.StartedAt = now;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return assigned;
    }

    private async Task<StartPreview> PreviewAsync(AppDbContext db, int id, CancellationToken ct)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new ArgumentException("Unknown experiment.");
        var assigned = await db.Assignments.AnyAsync(a => a.ExperimentId == id, ct);
        if (ExperimentLifecycle.WhyNotStartable(experiment.Status, assigned) is { } why)
        {
            throw Refusal(experiment.Status, assigned, why);
        }

        if (experiment.AudienceSegmentId is not { } segmentId)
        {
            throw new ArgumentException("Choose an audience segment before starting.");
        }

        var counts = await ExperimentAssignments.PreviewAsync(db, id, await AudienceOfAsync(db, segmentId, ct), ct);
        var templateIds = experiment.Variants.Where(v => v.EmailTemplateId is not null).Select(v => v.EmailTemplateId!.Value).ToList();
        var templates = await db.EmailTemplates.AsNoTracking().Where(t => templateIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var arms = experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id)
            .Select(v => new StartArm(v.Name, v.IsControl, v.IsHoldout, v.EmailTemplateId is { } t ? templates.GetValueOrDefault(t) : null, counts.GetValueOrDefault(v.Id)))
            .ToList();
        var total = arms.Sum(a => a.Customers);

        // The power of exactly this split: the design's weights (control first), its holdout, its plan — or the default plan.
        var stated = PowerPlanJson.Read(experiment.PowerPlanJson);
        var form = stated ?? new PowerForm();
        var designed = experiment.Variants.Where(v => !v.IsHoldout).OrderBy(v => v.IsControl ? 0 : 1).ThenBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        form.Weights = [.. designed.Select(v => v.Weight)];
        form.ArmNames = [.. designed.Select(v => v.Name)];
        form.HoldoutShare = experiment.HoldoutShare;
        form.AvailableAudience = total;
        var (plan, error) = Plan(form);
        return new StartPreview(id, total, arms, plan?.PowerWithAvailableAudience, form.Power, plan?.Warnings ?? (error is null ? [] : [error]))
        {
            Plan = PowerPlanJson.Describe(form),
            PlanStated = stated is not null,
        };
    }

    /// <summary>
    /// A launched round waiting for its campaign is a conflict with what already happened (409 on the API); anything else that
    /// is not a draft keeps the 400 it always had.
    /// </summary>
    private static ArgumentException Refusal(ExperimentStatus status, bool assigned, string why) =>
        ExperimentLifecycle.WaitsForItsCampaign(status, assigned) ? new ExperimentStateException(why) : new ArgumentException(why);

    /// <summary>
    /// The customers a start assigns: the audience segment's mailable members (people who could never get the e-mail would
    /// dilute every lift). A stored rule that no longer works is the marketer's problem to fix, said in words.
    /// </summary>
    private async Task<IQueryable<long>> AudienceOfAsync(AppDbContext db, int segmentId, CancellationToken ct)
    {
        try
        {
            return (await SegmentMembership.MembersAsync(db, segmentId, clock, ct)).Mailable().Select(c => c.Id);
        }
        catch (SegmentRuleException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
    }

    /// <summary>Ends a running experiment: outcomes stop accruing, the analysis and uplift modelling treat it as finished.</summary>
    public async Task FinishAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new ArgumentException("Unknown experiment.");
        if (experiment.Status != ExperimentStatus.Running)
        {
            throw new ArgumentException("Only a running experiment can be finished.");
        }

        experiment.Status = ExperimentStatus.Finished;
        experiment.EndedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Assignments.Where(a => a.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.Experiments.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        uplift.Forget(id);
        offerPolicies.Forget(id);
    }

    /// <summary>Mailable customers of a segment now: the audience an experiment on it would get.</summary>
    /// <exception cref="SegmentRuleException">The segment's stored rule cannot be used; the message says why.</exception>
    public async Task<int> AudienceSizeAsync(int segmentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await (await SegmentMembership.MembersAsync(db, segmentId, clock, ct)).Mailable().CountAsync(ct);
    }

    /// <summary>Sample size and duration; errors in the inputs come back as a warning, not an exception.</summary>
    public static (SampleSizePlan? Plan, string? Error) Plan(PowerForm form)
    {
        try
        {
            return (PowerCalculator.ForConversionRate(new PowerInput(form.BaselineRate, form.MinimumDetectableEffect, form.EffectKind, form.Alpha, form.Power, form.Arms,
                form.EligiblePerDay is > 0 ? form.EligiblePerDay : null, form.AvailableAudience, form.Weights, form.HoldoutShare)), null);
        }
        catch (ArgumentException ex)
        {
            return (null, ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
        }
    }

    public async Task<IReadOnlyList<(int Id, string Name)>> SegmentChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.Segments.AsNoTracking().OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct)).Select(s => (s.Id, s.Name)).ToList();
    }

    public async Task<IReadOnlyList<(int Id, string Name)>> TemplateChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.EmailTemplates.AsNoTracking().OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct)).Select(s => (s.Id, s.Name)).ToList();
    }
}

public sealed record ExperimentListItem(int Id, string Name, ExperimentStatus Status, ExperimentSource Source, PrimaryMetric Metric, int Arms, int Customers, DateTime? StartedAt, DateTime? EndedAt);
