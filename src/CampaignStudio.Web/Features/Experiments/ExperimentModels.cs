using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Analytics.Bandits;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>One arm as the design form edits it.</summary>
public sealed class ArmDesign
{
    public string Name { get; set; } = "";
    public bool IsControl { get; set; }
    public double Weight { get; set; } = 1;

    /// <summary>The e-mail this arm receives; null is "no message".</summary>
    public int? EmailTemplateId { get; set; }
}

/// <summary>The design form of an experiment.</summary>
public sealed class ExperimentDesign
{
    public string Name { get; set; } = "";
    public string? Hypothesis { get; set; }
    public int? AudienceSegmentId { get; set; }
    public PrimaryMetric Metric { get; set; } = PrimaryMetric.Conversion;
    public int AttributionWindowDays { get; set; } = 14;

    /// <summary>Share of the audience kept out of every message long-term, 0 to 0.5.</summary>
    public double HoldoutShare { get; set; }

    public List<ArmDesign> Arms { get; set; } =
    [
        new() { Name = "No message (control)", IsControl = true },
        new() { Name = "E-mail" },
    ];

    /// <summary>Guardrail metrics that must not get worse (keys of <see cref="Guardrails.All"/>).</summary>
    public List<string> Guardrails { get; set; } = [Experiments.Guardrails.UnsubscribeRate];

    /// <summary>The sample-size plan: baseline, smallest lift worth detecting, alpha and power.</summary>
    public PowerForm Power { get; set; } = new();

    /// <summary>Fixed weights, or adaptive: sent in rounds whose weights follow the results so far.</summary>
    public Allocation Allocation { get; set; } = Allocation.Fixed;

    /// <summary>The rounds of an adaptive experiment (ignored for fixed allocation).</summary>
    public AdaptiveDesign Adaptive { get; set; } = new();

    /// <summary>Winner rollout: test on a share, wait, then the rest receives the winner; null for none (everyone is in the test).</summary>
    public RolloutDesign? Rollout { get; set; }
}

/// <summary>How a winner rollout tests, waits and decides (decision 048); the metric is the experiment's primary metric.</summary>
public sealed class RolloutDesign
{
    /// <summary>Share of the mailable audience in the test (0.2 = 20 %); the rest waits for the winner.</summary>
    public double TestShare { get; set; } = 0.2;

    /// <summary>Hours between the launch and the decision.</summary>
    public int WaitHours { get; set; } = 24;

    /// <summary>How sure the studio must be that the winner beats the control (0.95).</summary>
    public double Confidence { get; set; } = 0.95;

    /// <summary>The arm the rest receives when no arm wins (its name); null for the control.</summary>
    public string? FallbackArm { get; set; }
}

/// <summary>Where a winner rollout stands, as the experiment and campaign pages and the API show it.</summary>
/// <param name="Design">The rollout's design.</param>
/// <param name="DecidesAt">When the rest is released (the launch plus the wait); null before the launch.</param>
/// <param name="DecidedAt">When the winner was chosen; null while the test runs.</param>
/// <param name="Winner">The arm the rest received; null while the test runs.</param>
/// <param name="Decision">The decision and why in words; while the test runs, what will happen.</param>
public sealed record RolloutState(RolloutDesign Design, DateTime? DecidesAt, DateTime? DecidedAt, string? Winner, string Decision);

/// <summary>How an adaptive experiment sends its rounds.</summary>
public sealed class AdaptiveDesign
{
    /// <summary>Rounds the audience is split into at random.</summary>
    public int Rounds { get; set; } = 7;

    /// <summary>Hours between rounds (24: daily); the weights never change more often.</summary>
    public int IntervalHours { get; set; } = 24;

    /// <summary>First rounds with equal weights.</summary>
    public int BurnInRounds { get; set; } = 1;

    /// <summary>Smallest share any arm keeps.</summary>
    public double FloorPerArm { get; set; } = 0.01;
}

/// <summary>Metrics an experiment can protect: a variant that harms one of them is not a winner whatever its lift.</summary>
public static class Guardrails
{
    public const string UnsubscribeRate = "unsubscribe_rate";
    public const string ComplaintRate = "complaint_rate";
    public const string RevenuePerCustomer = "revenue_per_customer";

    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        [UnsubscribeRate] = "Unsubscribe rate must not rise",
        [ComplaintRate] = "Spam complaint rate must not rise",
        [RevenuePerCustomer] = "Revenue per customer must not fall",
    };
}

/// <summary>An experiment with its arms, as pages and the API show it.</summary>
public sealed record ExperimentDetail(
    int Id,
    string Name,
    string? Hypothesis,
    ExperimentStatus Status,
    ExperimentSource Source,
    PrimaryMetric Metric,
    int? AudienceSegmentId,
    string? AudienceName,
    int AttributionWindowDays,
    double HoldoutShare,
    IReadOnlyList<string> Guardrails,
    IReadOnlyList<VariantDetail> Arms,
    int Customers,
    bool HasStudioCustomers,
    bool HasCovariates,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? EndedAt)
{
    /// <summary>The sample-size plan the design was saved with; null when none was made.</summary>
    public PowerForm? Plan { get; init; }

    /// <summary>The rounds of an adaptive experiment; null for fixed allocation.</summary>
    public AdaptiveDesign? Adaptive { get; init; }

    /// <summary>The winner rollout, with its decision once made; null when the experiment has none.</summary>
    public RolloutState? Rollout { get; init; }

    /// <summary>The experiment whose offer policy this one was launched from (decision 044); null for any other.</summary>
    public ExperimentLink? LearnedFrom { get; init; }

    /// <summary>The campaign that mails this experiment, when one does.</summary>
    public ExperimentLink? Campaign { get; init; }

    /// <summary>Why it cannot be started, in words; null when it can (the page offers Start only then).</summary>
    public string? WhyNotStartable => ExperimentLifecycle.WhyNotStartable(Status, Customers > 0);

    /// <summary>Why its design cannot change, in words; null when it can (the page offers Edit only then).</summary>
    public string? WhyDesignIsFixed => ExperimentLifecycle.WhyDesignIsFixed(Status, Customers > 0);

    /// <summary>A launched round: a draft whose customers are assigned, waiting for its campaign to send.</summary>
    public bool WaitsForItsCampaign => ExperimentLifecycle.WaitsForItsCampaign(Status, Customers > 0);
}

/// <summary>A page to link to: its id and the name to show.</summary>
public sealed record ExperimentLink(int Id, string Name);

public sealed record VariantDetail(int Id, string Name, bool IsControl, bool IsHoldout, double Weight, int? EmailTemplateId, int Customers);

/// <summary>An experiment's read-out for one metric.</summary>
/// <param name="Metric">The metric analysed.</param>
/// <param name="Analysis">The statistics; null when there is nothing to analyse yet (see <paramref name="Problem"/>).</param>
/// <param name="CupedAvailable">True when every customer has a pre-period value, so CUPED can be switched on.</param>
/// <param name="Problem">Why there is no analysis ("no customers assigned yet").</param>
/// <param name="Arms">Arm names in analysis order (arms without customers left out).</param>
public sealed record ExperimentReadout(PrimaryMetric Metric, ExperimentAnalysis? Analysis, bool CupedAvailable, string? Problem, IReadOnlyList<string> Arms)
{
    /// <summary>True when the lifts are CUPED-adjusted.</summary>
    public bool CupedApplied => Analysis?.Cuped is not null;

    /// <summary>The share of variance CUPED removes (or would remove); null when it cannot be computed.</summary>
    public double? CupedVarianceReduction { get; init; }

    /// <summary>"CUPED" or "Unadjusted": which lifts these are.</summary>
    public string Adjustment => AdjustmentLabel(CupedApplied);

    /// <summary>The label of lifts with or without CUPED, the same on every page and in the API.</summary>
    public static string AdjustmentLabel(bool cuped) => cuped ? "CUPED" : "Unadjusted";

    public ArmResult? Best => Analysis?.Arms.Where(a => !a.IsControl).MaxBy(a => a.ChanceToBeBest);

    /// <summary>Customers and (for rates) successes per arm, for deciding which numbers a privacy threshold hides.</summary>
    public IReadOnlyList<ArmCount> Counts { get; init; } = [];

    /// <summary>
    /// Arms whose results are hidden with groups of fewer than <paramref name="k"/> customers: a small arm, or a rate
    /// made of fewer than k successes (or non-successes), since the rate times the arm size gives that count away.
    /// </summary>
    public IReadOnlySet<string> HiddenArms(int k) =>
        Counts.Where(c => SmallGroups.IsSuppressed(c.N, k) || (c.Successes is { } s && SmallGroups.IsSuppressedWithin(s, c.N, k))).Select(c => c.Name).ToHashSet();

    /// <summary>
    /// Winner / loser / inconclusive of the experiment as a whole: for adaptive allocation from the reweighted lifts (the plain
    /// ones are biased there); else from the always-valid sequences when they are the reading shown ("Keep running" until one
    /// excludes zero), else from the Holm-adjusted tests.
    /// </summary>
    public string Verdict => Analysis is null ? "No data"
        : Adaptive is { } adaptive ? adaptive.Verdict
        : ShowsSequential ? Sequential!.Verdict
        : Analysis.Arms.Any(a => a.VsControl?.Verdict == ArmVerdict.Winner) ? "Winner"
        : Analysis.Arms.Where(a => !a.IsControl).All(a => a.VsControl?.Verdict == ArmVerdict.Loser) ? "Control wins"
        : "Inconclusive";

    /// <summary>Which intervals are shown first: always-valid for running experiments unless the reader chose otherwise.</summary>
    public Reading Reading { get; init; } = Reading.Fixed;

    /// <summary>
    /// Non-null when the means and lifts are weighted by each customer's logged chance of their arm (a launched policy's
    /// round, an adaptive experiment whose weights moved): what the page and the API say about it.
    /// </summary>
    public string? WeightingNote { get; init; }

    /// <summary>The always-valid reading beside the classical one; null when there is nothing to read.</summary>
    public SequentialAnalysis? Sequential { get; init; }

    /// <summary>For an adaptive experiment, every arm reweighted by the logged allocation (the unbiased read-out); null otherwise.</summary>
    public AdaptiveAnalysis? Adaptive { get; init; }

    /// <summary>True when the always-valid intervals and verdict are the ones shown.</summary>
    public bool ShowsSequential => Reading == Reading.Sequential && Sequential is not null;

    /// <summary>The sample-ratio flag of the reading shown: the sequential check while it is the reading, else the chi-square one.</summary>
    public bool SampleRatioMismatch => ShowsSequential && Sequential!.SampleRatio is { } s ? s.Mismatch : Analysis?.SampleRatio.Warning ?? false;
}

/// <summary>One arm's size and, for rate metrics, its successes (conversions, clicks, visits).</summary>
public sealed record ArmCount(string Name, long N, long? Successes);

/// <summary>A dashboard line: the experiment and its primary metric's best arm.</summary>
/// <param name="Customers">Customers assigned; null when fewer than k (the privacy setting).</param>
/// <param name="RelativeLift">The best arm's lift; null also when the best arm or the control is hidden for privacy.</param>
public sealed record ExperimentSummary(
    int Id,
    string Name,
    ExperimentStatus Status,
    ExperimentSource Source,
    PrimaryMetric Metric,
    int Arms,
    int? Customers,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string? BestArm,
    double? RelativeLift,
    double? RelativeLower,
    double? RelativeUpper,
    double? AbsoluteLift,
    string Verdict,
    bool SampleRatioMismatch)
{
    /// <summary>"CUPED" or "Unadjusted": which lift <see cref="RelativeLift"/> is.</summary>
    public string Adjustment { get; init; } = "Unadjusted";

    /// <summary>Which interval <see cref="RelativeLower"/>/<see cref="RelativeUpper"/> and the verdict are: always valid while running, fixed horizon otherwise.</summary>
    public Reading Reading { get; init; } = Reading.Fixed;

    /// <summary>The classical interval of the relative lift, beside the one shown.</summary>
    public double? FixedLower { get; init; }

    public double? FixedUpper { get; init; }

    /// <summary>The always-valid interval of the relative lift, beside the one shown.</summary>
    public double? AlwaysValidLower { get; init; }

    public double? AlwaysValidUpper { get; init; }
}

/// <summary>Inputs of the sample-size panel.</summary>
public sealed class PowerForm
{
    public double BaselineRate { get; set; } = 0.03;
    public double MinimumDetectableEffect { get; set; } = 0.10;
    public EffectKind EffectKind { get; set; } = EffectKind.Relative;
    public double Alpha { get; set; } = 0.05;
    public double Power { get; set; } = 0.8;
    public int Arms { get; set; } = 2;
    public double? EligiblePerDay { get; set; }
    public long? AvailableAudience { get; set; }

    /// <summary>The design's arm weights, control first; null plans an equal split over <see cref="Arms"/>.</summary>
    public List<double>? Weights { get; set; }

    /// <summary>Names of the weighted arms, for the panel.</summary>
    public List<string>? ArmNames { get; set; }

    /// <summary>The design's long-term holdout share.</summary>
    public double HoldoutShare { get; set; }
}

/// <summary>What starting an experiment will do: who is assigned to which arm, and the power that buys.</summary>
/// <param name="Customers">Customers the start assigns (the audience's mailable customers now).</param>
/// <param name="Arms">Each arm in design order with what it receives and its customers.</param>
/// <param name="Power">Power of this split for the plan (the weakest comparison with control); null when the plan cannot be computed.</param>
/// <param name="TargetPower">The power the plan asks for.</param>
/// <param name="Warnings">The planner's warnings (audience too small, test too long).</param>
public sealed record StartPreview(int ExperimentId, int Customers, IReadOnlyList<StartArm> Arms, double? Power, double TargetPower, IReadOnlyList<string> Warnings)
{
    /// <summary>The plan the power is for, in words ("a 10 % relative lift on a 3.00 % conversion rate, alpha 0.05").</summary>
    public string Plan { get; init; } = "";

    /// <summary>False when the design was saved without a plan and the default plan was used.</summary>
    public bool PlanStated { get; init; }
}

/// <summary>One arm at the start: what it gets and how many customers.</summary>
public sealed record StartArm(string Name, bool IsControl, bool IsHoldout, string? Email, int Customers);

/// <summary>Starting was asked for without the confirmation that it assigns customers for good.</summary>
public sealed class StartNotConfirmedException(string message, StartPreview preview) : ArgumentException(message)
{
    public StartPreview Preview { get; } = preview;
}

/// <summary>
/// The experiment's state does not allow what was asked (<see cref="Domain.Experiments.ExperimentLifecycle"/>): a conflict with what
/// already happened, not a problem of the request (the API says 409).
/// </summary>
public sealed class ExperimentStateException(string message) : ArgumentException(message);

/// <summary>The audience is no longer the size the marketer confirmed.</summary>
public sealed class AudienceChangedException(string message, StartPreview preview) : ArgumentException(message)
{
    public StartPreview Preview { get; } = preview;
}

/// <summary>The sample-size plan of a design as stored with the experiment (<see cref="Experiment.PowerPlanJson"/>).</summary>
public static class PowerPlanJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record Stored(double BaselineRate, double MinimumDetectableEffect, EffectKind EffectKind, double Alpha, double Power, double? EligiblePerDay);

    public static string Write(PowerForm form) =>
        JsonSerializer.Serialize(new Stored(form.BaselineRate, form.MinimumDetectableEffect, form.EffectKind, form.Alpha, form.Power, form.EligiblePerDay), Options);

    /// <summary>The stored plan as a form; null when there is none (or it cannot be read: a plan is advice, never a reason to fail).</summary>
    public static PowerForm? Read(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Stored>(json, Options) is { } s
                ? new PowerForm { BaselineRate = s.BaselineRate, MinimumDetectableEffect = s.MinimumDetectableEffect, EffectKind = s.EffectKind, Alpha = s.Alpha, Power = s.Power, EligiblePerDay = s.EligiblePerDay }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The plan in words: "a 10 % relative lift on a 3.00 % conversion rate, alpha 0.05".</summary>
    public static string Describe(PowerForm form)
    {
        var effect = form.EffectKind == EffectKind.Relative
            ? $"{form.MinimumDetectableEffect.ToString("P0", CultureInfo.InvariantCulture)} relative lift"
            : $"{(form.MinimumDetectableEffect * 100).ToString("0.##", CultureInfo.InvariantCulture)} point lift";
        return $"a {effect} on a {form.BaselineRate.ToString("P2", CultureInfo.InvariantCulture)} conversion rate, alpha {form.Alpha.ToString("0.###", CultureInfo.InvariantCulture)}";
    }
}
