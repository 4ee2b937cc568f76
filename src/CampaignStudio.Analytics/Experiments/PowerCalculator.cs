using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>How a minimum detectable effect is expressed.</summary>
public enum EffectKind
{
    /// <summary>In rate points: 0.01 means from 10 % to 11 %.</summary>
    Absolute,

    /// <summary>Relative to the baseline: 0.10 means from 10 % to 11 %.</summary>
    Relative,
}

/// <summary>What the marketer plans: a conversion-rate test and the smallest lift worth detecting.</summary>
/// <param name="BaselineRate">Expected conversion rate of the control, in (0, 1).</param>
/// <param name="MinimumDetectableEffect">Smallest lift worth detecting (sign ignored; the test is two-sided).</param>
/// <param name="EffectKind">Whether the effect is absolute (rate points) or relative to the baseline.</param>
/// <param name="Alpha">Overall significance level, two-sided.</param>
/// <param name="Power">Chance of detecting the effect when it is real.</param>
/// <param name="Arms">Number of arms including control, split equally; ignored when <paramref name="Weights"/> are given.</param>
/// <param name="EligiblePerDay">Customers entering the experiment per day, to say how long it takes.</param>
/// <param name="AvailableAudience">Customers available in total (holdout included), to warn when the audience is too small.</param>
/// <param name="Weights">Allocation weights of the arms, the control's first (any positive scale); null is an equal split over <paramref name="Arms"/>.</param>
/// <param name="HoldoutShare">Share of the audience kept in a long-term holdout, in [0, 0.5]: it receives nothing and is not part of the test's arms.</param>
public sealed record PowerInput(
    double BaselineRate,
    double MinimumDetectableEffect,
    EffectKind EffectKind = EffectKind.Relative,
    double Alpha = 0.05,
    double Power = 0.8,
    int Arms = 2,
    double? EligiblePerDay = null,
    long? AvailableAudience = null,
    IReadOnlyList<double>? Weights = null,
    double HoldoutShare = 0);

/// <summary>How many customers a test needs and how long it runs.</summary>
/// <param name="PerArm">Customers needed in each arm with an equal split; with unequal weights, in the largest arm (see <see cref="ArmSizes"/>).</param>
/// <param name="Total">Customers needed in all arms together, the long-term holdout included.</param>
/// <param name="AdjustedAlpha">Per-comparison alpha after the Bonferroni split, alpha / comparisons with control.</param>
/// <param name="TargetRate">Rate of a treatment arm that has exactly the minimum detectable effect.</param>
/// <param name="AbsoluteEffect">The effect in rate points.</param>
/// <param name="Days">Days needed at <see cref="PowerInput.EligiblePerDay"/>; null when the daily volume is unknown.</param>
/// <param name="PowerWithAvailableAudience">
/// Power reached when only the available audience is used, split by the weights after the holdout — of the weakest
/// comparison with control; null when unknown.
/// </param>
/// <param name="AudienceTooSmall">True when the available audience is smaller than <paramref name="Total"/>.</param>
/// <param name="Warnings">Plain-language warnings for the planner.</param>
public sealed record SampleSizePlan(
    long PerArm,
    long Total,
    double AdjustedAlpha,
    double TargetRate,
    double AbsoluteEffect,
    int? Days,
    double? PowerWithAvailableAudience,
    bool AudienceTooSmall,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Customers needed in each arm, in the order of the weights (control first).</summary>
    public IReadOnlyList<long> ArmSizes { get; init; } = [];

    /// <summary>Customers of the long-term holdout at the planned share (0 without one).</summary>
    public long Holdout { get; init; }

    /// <summary>Comparisons with control the alpha is split over: every other arm, the holdout included (the analysis compares it too).</summary>
    public int Comparisons { get; init; } = 1;
}

/// <summary>
/// Sample size and duration of a conversion-rate test, with the classic two-proportion formula
/// (Fleiss, no continuity correction; pooled variance under H0, unpooled under H1) for a treatment arm r times the
/// size of the control: n_control = (z₁₋α/2·√(p̄q̄(1 + 1/r)) + z_power·√(p₀q₀ + p₁q₁/r))² / (p₁ − p₀)², with
/// p̄ = (p₀ + r·p₁)/(1 + r). With r = 1 this is the familiar per-arm formula.
/// </summary>
/// <remarks>
/// Every treatment arm is compared with control, so the planner uses a Bonferroni-adjusted alpha / comparisons:
/// slightly conservative next to the Holm correction the analysis applies, which guarantees the planned power is
/// reached. The long-term holdout is an arm of the analysis too (one more comparison) but not of the design's split:
/// it takes its share of the audience first. The formula matches the pooled z-test of the analysis; statsmodels'
/// NormalIndPower (Cohen's h, with <c>ratio</c>) gives sizes within 1.5 % of it (reference/power_reference.py).
/// </remarks>
public static class PowerCalculator
{
    // Longer than this and seasonality and novelty effects start to dominate the measurement.
    private const int LongTestDays = 56;

    /// <summary>Plans a conversion-rate test.</summary>
    public static SampleSizePlan ForConversionRate(PowerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var p0 = input.BaselineRate;
        if (!(p0 > 0 && p0 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(input), "The baseline rate must be between 0 and 1.");
        }

        if (!(input.Alpha > 0 && input.Alpha < 1) || !(input.Power > 0 && input.Power < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(input), "Alpha and power must be between 0 and 1.");
        }

        var weights = input.Weights ?? Enumerable.Repeat(1.0, Math.Max(input.Arms, 0)).ToList();
        if (weights.Count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(input), "A test needs at least two arms.");
        }

        if (weights.Any(w => !(w > 0) || double.IsInfinity(w)))
        {
            throw new ArgumentOutOfRangeException(nameof(input), "Every arm needs a positive weight.");
        }

        var holdoutShare = input.HoldoutShare;
        if (!(holdoutShare >= 0 && holdoutShare <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(input), "The long-term holdout must be between 0 % and 50 % of the audience.");
        }

        var effect = Math.Abs(input.EffectKind == EffectKind.Relative ? p0 * input.MinimumDetectableEffect : input.MinimumDetectableEffect);
        if (!(effect > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(input), "The minimum detectable effect must not be zero.");
        }

        var p1 = p0 + effect;
        if (p1 >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(input), "Baseline plus effect must stay below 100 %.");
        }

        var comparisons = weights.Count - 1 + (holdoutShare > 0 ? 1 : 0);
        var alpha = input.Alpha / comparisons;
        var control = weights[0];
        var ratios = weights.Skip(1).Select(w => w / control).ToArray();

        // The control must be large enough for the hardest comparison (the smallest treatment arm).
        var controlNeeded = ratios.Max(r => RequiredControlArm(p0, p1, alpha, input.Power, r));
        var armSizes = weights.Select(w => (long)Math.Ceiling(controlNeeded * (w / control))).ToArray();
        var designed = armSizes.Sum();
        var holdout = holdoutShare > 0 ? (long)Math.Ceiling(designed * holdoutShare / (1 - holdoutShare)) : 0;
        var total = designed + holdout;
        var warnings = new List<string>();

        int? days = null;
        if (input.EligiblePerDay is { } perDay)
        {
            if (!(perDay > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(input), "Eligible customers per day must be positive.");
            }

            days = (int)Math.Min(int.MaxValue, Math.Ceiling(total / perDay));
            if (days > LongTestDays)
            {
                warnings.Add($"The test needs {days} days; beyond {LongTestDays / 7} weeks seasonality and novelty effects muddy the result. Consider a larger effect or fewer arms.");
            }
        }

        double? reachable = null;
        var tooSmall = false;
        if (input.AvailableAudience is { } audience)
        {
            var availableControl = audience * (1 - holdoutShare) * control / weights.Sum();
            reachable = availableControl > 0 ? ratios.Min(r => PowerForSampleSize(p0, p1, alpha, availableControl, r)) : 0;
            if (audience < total)
            {
                tooSmall = true;
                warnings.Add($"The audience is too small: the test needs {total:N0} customers{(holdout > 0 ? " (the holdout included)" : "")} but only {audience:N0} are available, " +
                    $"which gives {reachable:P0} power instead of {input.Power:P0}.");
            }
        }

        return new SampleSizePlan(armSizes.Max(), total, alpha, p1, effect, days, reachable, tooSmall, warnings)
        {
            ArmSizes = armSizes,
            Holdout = holdout,
            Comparisons = comparisons,
        };
    }

    /// <summary>Unrounded customers per arm from the classic formula with equal arms (two-sided test at <paramref name="alpha"/>).</summary>
    public static double RequiredPerArm(double p0, double p1, double alpha, double power) => RequiredControlArm(p0, p1, alpha, power, 1);

    /// <summary>
    /// Unrounded customers in the control arm when the treatment arm has <paramref name="ratio"/> times as many
    /// (two-sided test at <paramref name="alpha"/>).
    /// </summary>
    public static double RequiredControlArm(double p0, double p1, double alpha, double power, double ratio)
    {
        var za = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var zb = Normal.InvCDF(0, 1, power);
        var pBar = (p0 + ratio * p1) / (1 + ratio);
        var numerator = za * Math.Sqrt(pBar * (1 - pBar) * (1 + 1 / ratio)) + zb * Math.Sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio);
        return numerator * numerator / ((p1 - p0) * (p1 - p0));
    }

    /// <summary>
    /// Power of the same test with <paramref name="perArm"/> customers per arm: the classic formula solved for
    /// z_power (the far rejection tail is ignored, as in the formula).
    /// </summary>
    public static double PowerForSampleSize(double p0, double p1, double alpha, double perArm) => PowerForSampleSize(p0, p1, alpha, perArm, 1);

    /// <summary>Power with <paramref name="controlN"/> customers in control and <paramref name="ratio"/> times as many in the treatment arm.</summary>
    public static double PowerForSampleSize(double p0, double p1, double alpha, double controlN, double ratio)
    {
        var za = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var pBar = (p0 + ratio * p1) / (1 + ratio);
        var z = (Math.Abs(p1 - p0) * Math.Sqrt(controlN) - za * Math.Sqrt(pBar * (1 - pBar) * (1 + 1 / ratio)))
            / Math.Sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio);
        return Normal.CDF(0, 1, z);
    }
}
