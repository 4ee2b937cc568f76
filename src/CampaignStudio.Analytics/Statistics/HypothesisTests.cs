using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Statistics;

/// <summary>Result of a two-sample test of "treatment minus control".</summary>
/// <param name="Difference">Treatment minus control (rate or mean).</param>
/// <param name="StandardError">Standard error used for the confidence interval.</param>
/// <param name="Statistic">The z or t statistic.</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite degrees of freedom; null for z-tests.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="DifferenceCi">Confidence interval of the difference.</param>
public sealed record TwoSampleTest(
    double Difference,
    double StandardError,
    double Statistic,
    double? DegreesOfFreedom,
    double PValue,
    ConfidenceInterval DifferenceCi);

/// <summary>Result of a chi-square goodness-of-fit test.</summary>
/// <param name="ChiSquare">The statistic Σ (observed − expected)² / expected.</param>
/// <param name="DegreesOfFreedom">Number of categories minus one.</param>
/// <param name="PValue">Upper-tail p-value.</param>
public sealed record ChiSquareTest(double ChiSquare, int DegreesOfFreedom, double PValue);

/// <summary>
/// Classical frequentist tests written against MathNet.Numerics distributions. Each one is named after the
/// scipy/statsmodels call it reproduces, so reference values can be checked one-to-one.
/// </summary>
public static class HypothesisTests
{
    /// <summary>
    /// Two-proportion z-test, statsmodels <c>proportions_ztest([x1, x0], [n1, n0])</c>: pooled variance
    /// under H0 for the statistic. The interval is the unpooled Wald interval,
    /// statsmodels <c>confint_proportions_2indep(method="wald", compare="diff")</c>.
    /// </summary>
    public static TwoSampleTest TwoProportionZTest(long x1, long n1, long x0, long n0, double alpha = 0.05)
    {
        CheckCounts(x1, n1);
        CheckCounts(x0, n0);
        double p1 = (double)x1 / n1, p0 = (double)x0 / n0;
        var pooled = (double)(x1 + x0) / (n1 + n0);
        var pooledSe = Math.Sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n0));
        var diff = p1 - p0;
        // With no events at all both rates are 0: there is no evidence of a difference.
        var z = pooledSe > 0 ? diff / pooledSe : 0;
        var waldSe = Math.Sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0);
        var crit = Normal.InvCDF(0, 1, 1 - alpha / 2);
        return new TwoSampleTest(diff, waldSe, z, null, TwoSidedNormalP(z),
            new ConfidenceInterval(diff - crit * waldSe, diff + crit * waldSe));
    }

    /// <summary>
    /// Welch's unequal-variance t-test, scipy <c>ttest_ind(treatment, control, equal_var=False)</c>;
    /// the interval is statsmodels <c>CompareMeans.tconfint_diff(usevar="unequal")</c>.
    /// </summary>
    public static TwoSampleTest WelchTTest(MeanSummary treatment, MeanSummary control, double alpha = 0.05)
    {
        if (treatment.N < 2 || control.N < 2)
        {
            throw new ArgumentException("Welch's test needs at least two observations per arm.");
        }

        double v1 = treatment.VarianceOfMean, v0 = control.VarianceOfMean;
        var se = Math.Sqrt(v1 + v0);
        var diff = treatment.Mean - control.Mean;
        // Welch–Satterthwaite approximation of the degrees of freedom.
        var df = (v1 + v0) * (v1 + v0) / (v1 * v1 / (treatment.N - 1) + v0 * v0 / (control.N - 1));
        if (se == 0)
        {
            // Constant samples: the t statistic is undefined, there is no sampling noise to test against.
            return new TwoSampleTest(diff, 0, double.NaN, null, double.NaN, new ConfidenceInterval(diff, diff));
        }

        var t = diff / se;
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        var crit = StudentT.InvCDF(0, 1, df, 1 - alpha / 2);
        return new TwoSampleTest(diff, se, t, df, p, new ConfidenceInterval(diff - crit * se, diff + crit * se));
    }

    /// <summary>
    /// Chi-square goodness of fit of observed counts against planned shares,
    /// scipy <c>chisquare(observed, f_exp=total * shares / sum(shares))</c>.
    /// </summary>
    public static ChiSquareTest ChiSquareGoodnessOfFit(IReadOnlyList<long> observed, IReadOnlyList<double> expectedShares)
    {
        if (observed.Count != expectedShares.Count || observed.Count < 2)
        {
            throw new ArgumentException("Need at least two categories, one share per observed count.");
        }

        if (expectedShares.Any(s => !(s > 0)))
        {
            throw new ArgumentException("Planned shares must be positive.", nameof(expectedShares));
        }

        double total = observed.Sum(), shareSum = expectedShares.Sum();
        var chi = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = total * expectedShares[i] / shareSum;
            var d = observed[i] - expected;
            chi += d * d / expected;
        }

        var df = observed.Count - 1;
        // Upper regularised gamma is the chi-square survival function without the 1 − CDF cancellation.
        return new ChiSquareTest(chi, df, SpecialFunctions.GammaUpperRegularized(df / 2.0, chi / 2));
    }

    /// <summary>
    /// Relative lift m1/m0 − 1 with a delta-method (first-order Taylor) normal interval:
    /// Var(m1/m0) ≈ v1/m0² + m1²·v0/m0⁴, where v1, v0 are the variances of the two means.
    /// Returns NaN bounds when the control mean is zero.
    /// </summary>
    public static (double Lift, ConfidenceInterval Ci) RelativeLift(
        double m1, double varianceOfM1, double m0, double varianceOfM0, double alpha = 0.05)
    {
        if (m0 == 0)
        {
            return (double.NaN, new ConfidenceInterval(double.NaN, double.NaN));
        }

        var lift = m1 / m0 - 1;
        var se = Math.Sqrt(varianceOfM1 / (m0 * m0) + m1 * m1 * varianceOfM0 / (m0 * m0 * m0 * m0));
        var crit = Normal.InvCDF(0, 1, 1 - alpha / 2);
        return (lift, new ConfidenceInterval(lift - crit * se, lift + crit * se));
    }

    /// <summary>Two-sided normal p-value, 2·Φ(−|z|), computed in the lower tail to keep tiny p-values exact.</summary>
    public static double TwoSidedNormalP(double z) => 2 * Normal.CDF(0, 1, -Math.Abs(z));

    private static void CheckCounts(long successes, long n)
    {
        if (n <= 0 || successes < 0 || successes > n)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), $"Need 0 ≤ conversions ≤ n and n > 0 (got {successes}/{n}).");
        }
    }
}
