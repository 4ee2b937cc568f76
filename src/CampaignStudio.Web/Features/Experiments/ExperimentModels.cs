using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Analytics.Privacy;
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
    DateTime? EndedAt);

public sealed record VariantDetail(int Id, string Name, bool IsControl, bool IsHoldout, double Weight, int? EmailTemplateId, int Customers);

/// <summary>An experiment's read-out for one metric.</summary>
/// <param name="Metric">The metric analysed.</param>
/// <param name="Analysis">The statistics; null when there is nothing to analyse yet (see <paramref name="Problem"/>).</param>
/// <param name="CupedAvailable">True when every customer has a pre-period value, so CUPED can be switched on.</param>
/// <param name="Problem">Why there is no analysis ("no customers assigned yet").</param>
/// <param name="Arms">Arm names in analysis order (arms without customers left out).</param>
public sealed record ExperimentReadout(PrimaryMetric Metric, ExperimentAnalysis? Analysis, bool CupedAvailable, string? Problem, IReadOnlyList<string> Arms)
{
    public ArmResult? Best => Analysis?.Arms.Where(a => !a.IsControl).MaxBy(a => a.ChanceToBeBest);

    /// <summary>Customers and (for rates) successes per arm, for deciding which numbers a privacy threshold hides.</summary>
    public IReadOnlyList<ArmCount> Counts { get; init; } = [];

    /// <summary>
    /// Arms whose results are hidden with groups of fewer than <paramref name="k"/> customers: a small arm, or a rate
    /// made of fewer than k successes (or non-successes), since the rate times the arm size gives that count away.
    /// </summary>
    public IReadOnlySet<string> HiddenArms(int k) =>
        Counts.Where(c => SmallCells.IsSuppressed(c.N, k) || (c.Successes is { } s && SmallCells.IsSuppressedWithin(s, c.N, k))).Select(c => c.Name).ToHashSet();

    /// <summary>Winner / loser / inconclusive of the experiment as a whole, from the Holm-adjusted tests.</summary>
    public string Verdict => Analysis is null ? "No data"
        : Analysis.Arms.Any(a => a.VsControl?.Verdict == ArmVerdict.Winner) ? "Winner"
        : Analysis.Arms.Where(a => !a.IsControl).All(a => a.VsControl?.Verdict == ArmVerdict.Loser) ? "Control wins"
        : "Inconclusive";
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
    bool SampleRatioMismatch);

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
}
