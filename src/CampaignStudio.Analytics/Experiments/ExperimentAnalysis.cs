using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>What the metric of an analysis is.</summary>
public enum MetricKind
{
    /// <summary>A share of customers (conversion, visit, click rate).</summary>
    Rate,

    /// <summary>A mean per customer (revenue per customer).</summary>
    Mean,
}

/// <summary>The call on one arm against control after the multiple-testing correction.</summary>
public enum ArmVerdict
{
    /// <summary>Significantly better than control.</summary>
    Winner,

    /// <summary>Significantly worse than control.</summary>
    Loser,

    /// <summary>No significant difference (yet).</summary>
    Inconclusive,
}

/// <summary>Options of an experiment analysis.</summary>
/// <param name="Alpha">Significance level; confidence intervals are (1 − Alpha). 0.05 gives 95 % CIs.</param>
/// <param name="SrmThreshold">Sample-ratio-mismatch p-value below which the split is flagged.</param>
/// <param name="UseCuped">Apply CUPED when every arm has a pre-period covariate (means only).</param>
public sealed record AnalysisOptions(double Alpha = 0.05, double SrmThreshold = 0.001, bool UseCuped = true)
{
    /// <summary>The defaults: 5 % significance, SRM flagged below p = 0.001, CUPED when possible.</summary>
    public static AnalysisOptions Default { get; } = new();
}

/// <summary>Full analysis of an A/B/n test.</summary>
/// <param name="Metric">Rate or mean.</param>
/// <param name="Alpha">Significance level used.</param>
/// <param name="Arms">One result per arm, in input order; the control has no <see cref="ArmResult.VsControl"/>.</param>
/// <param name="SampleRatio">Sample-ratio-mismatch check of the observed split against the planned weights.</param>
/// <param name="Cuped">The CUPED adjustment when it was applied; null otherwise.</param>
/// <param name="Warnings">Plain-language warnings to show next to the results.</param>
public sealed record ExperimentAnalysis(
    MetricKind Metric,
    double Alpha,
    IReadOnlyList<ArmResult> Arms,
    SampleRatioCheck SampleRatio,
    CupedAdjustment? Cuped,
    IReadOnlyList<string> Warnings);

/// <summary>Results of one arm.</summary>
/// <param name="Name">Arm name.</param>
/// <param name="IsControl">True for the control arm.</param>
/// <param name="N">Customers in the arm.</param>
/// <param name="Mean">Conversion rate or mean per customer (CUPED-adjusted when CUPED was applied).</param>
/// <param name="UnadjustedMean">The raw rate or mean, before any CUPED adjustment.</param>
/// <param name="StandardError">Standard error of <paramref name="Mean"/>.</param>
/// <param name="ChanceToBeBest">Posterior probability that this arm has the highest rate/mean of all arms.</param>
/// <param name="VsControl">Comparison with control; null for the control itself.</param>
public sealed record ArmResult(
    string Name,
    bool IsControl,
    long N,
    double Mean,
    double UnadjustedMean,
    double StandardError,
    double ChanceToBeBest,
    ArmComparison? VsControl);

/// <summary>One arm compared with control.</summary>
/// <param name="AbsoluteLift">Arm minus control (rate points or currency per customer).</param>
/// <param name="AbsoluteLiftCi">CI of the absolute lift: unpooled Wald for rates, Welch t for means.</param>
/// <param name="RelativeLift">Arm / control − 1.</param>
/// <param name="RelativeLiftCi">Delta-method CI of the relative lift (NaN when the control mean is 0).</param>
/// <param name="Statistic">z (rates, pooled) or Welch t (means).</param>
/// <param name="DegreesOfFreedom">Welch degrees of freedom; null for rates.</param>
/// <param name="PValue">Two-sided p-value of this comparison alone.</param>
/// <param name="AdjustedPValue">Holm-adjusted p-value across all arms compared with control.</param>
/// <param name="ChanceToBeatControl">Posterior probability that the arm beats control.</param>
/// <param name="Verdict">Winner / Loser when <paramref name="AdjustedPValue"/> is below alpha, else Inconclusive.</param>
public sealed record ArmComparison(
    double AbsoluteLift,
    ConfidenceInterval AbsoluteLiftCi,
    double RelativeLift,
    ConfidenceInterval RelativeLiftCi,
    double Statistic,
    double? DegreesOfFreedom,
    double PValue,
    double AdjustedPValue,
    double ChanceToBeatControl,
    ArmVerdict Verdict);

/// <summary>Sample-ratio-mismatch check: does the observed split match the planned one?</summary>
/// <param name="ChiSquare">Chi-square statistic.</param>
/// <param name="DegreesOfFreedom">Arms minus one.</param>
/// <param name="PValue">p-value; tiny values mean assignment or tracking is broken.</param>
/// <param name="Warning">True when <paramref name="PValue"/> is below the threshold.</param>
/// <param name="ExpectedShares">Planned share of each arm (input order), summing to 1.</param>
/// <param name="ObservedShares">Observed share of each arm (input order).</param>
public sealed record SampleRatioCheck(
    double ChiSquare,
    int DegreesOfFreedom,
    double PValue,
    bool Warning,
    IReadOnlyList<double> ExpectedShares,
    IReadOnlyList<double> ObservedShares);

/// <summary>The CUPED adjustment that was applied.</summary>
/// <param name="Theta">θ = Cov(y, x) / Var(x) over all customers of all arms.</param>
/// <param name="VarianceReduction">
/// 1 − (Σ adjusted s²/n) / (Σ raw s²/n) over all arms: the share of the noise the covariate removed.
/// </param>
public sealed record CupedAdjustment(double Theta, double VarianceReduction);
