using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Sequential;

/// <summary>What a running experiment may say today, however often it has been looked at.</summary>
public enum SequentialVerdict
{
    /// <summary>The always-valid interval still contains zero: no winner yet.</summary>
    KeepRunning,

    /// <summary>The always-valid interval lies above zero: the treatment is better.</summary>
    TreatmentBetter,

    /// <summary>The always-valid interval lies below zero: the control is better.</summary>
    ControlBetter,
}

/// <summary>A reading of treatment minus control that stays valid however often it is looked at.</summary>
/// <param name="Difference">Treatment mean minus control mean.</param>
/// <param name="StandardError">Standard error of the difference (Welch, unpooled).</param>
/// <param name="AlwaysValid">Asymptotic confidence sequence at this look: covers the true difference at every look at once.</param>
/// <param name="FixedHorizon">The classical interval, valid only if this is the single planned look.</param>
/// <param name="Verdict">Winner or keep running, read from the always-valid interval.</param>
public sealed record SequentialReading(
    double Difference, double StandardError, ConfidenceInterval AlwaysValid, ConfidenceInterval FixedHorizon, SequentialVerdict Verdict);

/// <summary>
/// Asymptotic confidence sequences (Waudby-Smith, Arnold, Wu, Ramdas et al. 2021, "Time-uniform central limit theory and
/// asymptotic confidence sequences"), in the form GrowthBook and Eppo use for A/B tests: the normal-mixture boundary
/// σ̂·√(2(nρ² + 1)/(n²ρ²) · ln(√(nρ² + 1)/α)) with n the customers so far and ρ tuned so the sequence is tightest at a
/// planned sample size. A manager may open the dashboard every morning and stop when it says so; the chance that the
/// sequence ever misses the true difference stays at most α (asymptotically).
/// </summary>
public static class ConfidenceSequence
{
    /// <summary>
    /// ρ² that makes the boundary tightest at <paramref name="plannedSampleSize"/> customers (the closed-form
    /// approximation of Waudby-Smith et al.): (−2 ln α + ln(−2 ln α + 1)) / N.
    /// </summary>
    public static double TuningRhoSquared(long plannedSampleSize, double alpha = 0.05)
    {
        if (plannedSampleSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(plannedSampleSize), "The planned sample size must be positive.");
        }

        CheckAlpha(alpha);
        var l = -2 * Math.Log(alpha);
        return (l + Math.Log(l + 1)) / plannedSampleSize;
    }

    /// <summary>
    /// The boundary for unit variance after <paramref name="n"/> observations: multiply by the per-observation standard deviation.
    /// </summary>
    public static double UnitRadius(double n, double rhoSquared, double alpha = 0.05)
    {
        if (!(n > 0) || !(rhoSquared > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(n), "The number of observations and ρ² must be positive.");
        }

        CheckAlpha(alpha);
        var a = n * rhoSquared + 1;
        return Math.Sqrt(2 * a / (n * n * rhoSquared) * Math.Log(Math.Sqrt(a) / alpha));
    }

    /// <summary>
    /// Reads treatment minus control after the customers so far. The per-customer variance is n·Var(difference) with
    /// n = both arms together, which is the variance of the inverse-propensity-weighted difference per customer, so unequal
    /// splits are handled as in the paper's ATE sequences.
    /// </summary>
    /// <param name="treatment">Summary of the treatment arm so far.</param>
    /// <param name="control">Summary of the control arm so far.</param>
    /// <param name="plannedSampleSize">Customers (both arms) at which the sequence should be tightest, e.g. the power calculation's total.</param>
    /// <param name="alpha">Chance of ever missing the true difference.</param>
    public static SequentialReading DifferenceInMeans(MeanSummary treatment, MeanSummary control, long plannedSampleSize, double alpha = 0.05)
    {
        if (treatment.N < 2 || control.N < 2)
        {
            throw new ArgumentException("Each arm needs at least two customers.");
        }

        var difference = treatment.Mean - control.Mean;
        var variance = treatment.VarianceOfMean + control.VarianceOfMean;
        var se = Math.Sqrt(variance);
        var n = (double)(treatment.N + control.N);
        var radius = Math.Sqrt(n * variance) * UnitRadius(n, TuningRhoSquared(plannedSampleSize, alpha), alpha);
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var alwaysValid = new ConfidenceInterval(difference - radius, difference + radius);
        var verdict = alwaysValid.Lower > 0 ? SequentialVerdict.TreatmentBetter
            : alwaysValid.Upper < 0 ? SequentialVerdict.ControlBetter
            : SequentialVerdict.KeepRunning;
        return new SequentialReading(difference, se, alwaysValid, new ConfidenceInterval(difference - z * se, difference + z * se), verdict);
    }

    /// <summary>Conversion rates: the same reading from counts (Bernoulli variance with the n − 1 denominator).</summary>
    public static SequentialReading DifferenceInRates(long treatmentConversions, long treatmentCustomers, long controlConversions, long controlCustomers, long plannedSampleSize, double alpha = 0.05) =>
        DifferenceInMeans(Rate(treatmentConversions, treatmentCustomers), Rate(controlConversions, controlCustomers), plannedSampleSize, alpha);

    private static MeanSummary Rate(long conversions, long customers)
    {
        if (customers < 2 || conversions < 0 || conversions > customers)
        {
            throw new ArgumentOutOfRangeException(nameof(conversions), "Conversions must be between 0 and the customers (at least two).");
        }

        var p = (double)conversions / customers;
        return new MeanSummary(customers, p, p * (1 - p) * customers / (customers - 1));
    }

    private static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be between 0 and 1.");
        }
    }
}
