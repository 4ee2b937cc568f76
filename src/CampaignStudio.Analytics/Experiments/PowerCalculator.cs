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
/// <param name="Arms">Number of arms including control (equal split).</param>
/// <param name="EligiblePerDay">Customers entering the experiment per day, to say how long it takes.</param>
/// <param name="AvailableAudience">Customers available in total, to warn when the audience is too small.</param>
public sealed record PowerInput(
    double BaselineRate,
    double MinimumDetectableEffect,
    EffectKind EffectKind = EffectKind.Relative,
    double Alpha = 0.05,
    double Power = 0.8,
    int Arms = 2,
    double? EligiblePerDay = null,
    long? AvailableAudience = null);

/// <summary>How many customers a test needs and how long it runs.</summary>
/// <param name="PerArm">Customers needed in each arm (rounded up).</param>
/// <param name="Total">Customers needed in all arms together.</param>
/// <param name="AdjustedAlpha">Per-comparison alpha after the Bonferroni split, alpha / (arms − 1).</param>
/// <param name="TargetRate">Rate of a treatment arm that has exactly the minimum detectable effect.</param>
/// <param name="AbsoluteEffect">The effect in rate points.</param>
/// <param name="Days">Days needed at <see cref="PowerInput.EligiblePerDay"/>; null when the daily volume is unknown.</param>
/// <param name="PowerWithAvailableAudience">Power reached when only the available audience is used; null when unknown.</param>
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
    IReadOnlyList<string> Warnings);

/// <summary>
/// Sample size and duration of a conversion-rate test, with the classic two-proportion formula
/// (Fleiss, no continuity correction; pooled variance under H0, unpooled under H1, equal arms):
/// n = (z₁₋α/2·√(2·p̄(1−p̄)) + z_power·√(p₀(1−p₀) + p₁(1−p₁)))² / (p₁ − p₀)² per arm.
/// </summary>
/// <remarks>
/// With more than two arms every treatment arm is compared with control, so the planner uses a
/// Bonferroni-adjusted alpha / (arms − 1) per comparison: slightly conservative next to the Holm correction
/// the analysis applies, which guarantees the planned power is reached. The formula matches the pooled
/// z-test of the analysis; statsmodels' NormalIndPower on Cohen's h gives sizes within 0.5 % of it.
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

        if (input.Arms < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(input), "A test needs at least two arms.");
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

        var alpha = input.Alpha / (input.Arms - 1);
        var perArm = (long)Math.Ceiling(RequiredPerArm(p0, p1, alpha, input.Power));
        var total = perArm * input.Arms;
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
            var availablePerArm = audience / input.Arms;
            reachable = availablePerArm > 0 ? PowerForSampleSize(p0, p1, alpha, availablePerArm) : 0;
            if (audience < total)
            {
                tooSmall = true;
                warnings.Add($"The audience is too small: the test needs {total:N0} customers but only {audience:N0} are available, which gives {reachable:P0} power instead of {input.Power:P0}.");
            }
        }

        return new SampleSizePlan(perArm, total, alpha, p1, effect, days, reachable, tooSmall, warnings);
    }

    /// <summary>Unrounded customers per arm from the classic formula (two-sided test at <paramref name="alpha"/>).</summary>
    public static double RequiredPerArm(double p0, double p1, double alpha, double power)
    {
        var za = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var zb = Normal.InvCDF(0, 1, power);
        var pBar = (p0 + p1) / 2;
        var numerator = za * Math.Sqrt(2 * pBar * (1 - pBar)) + zb * Math.Sqrt(p0 * (1 - p0) + p1 * (1 - p1));
        return numerator * numerator / ((p1 - p0) * (p1 - p0));
    }

    /// <summary>
    /// Power of the same test with <paramref name="perArm"/> customers per arm: the classic formula solved for
    /// z_power (the far rejection tail is ignored, as in the formula).
    /// </summary>
    public static double PowerForSampleSize(double p0, double p1, double alpha, double perArm)
    {
        var za = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var pBar = (p0 + p1) / 2;
        var z = (Math.Abs(p1 - p0) * Math.Sqrt(perArm) - za * Math.Sqrt(2 * pBar * (1 - pBar)))
            / Math.Sqrt(p0 * (1 - p0) + p1 * (1 - p1));
        return Normal.CDF(0, 1, z);
    }
}
