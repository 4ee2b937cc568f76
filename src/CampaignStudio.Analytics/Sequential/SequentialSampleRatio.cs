using MathNet.Numerics;

namespace CampaignStudio.Analytics.Sequential;

/// <summary>The sequential sample-ratio check after the customers so far.</summary>
/// <param name="PValue">Always-valid p-value: the smallest 1/Bayes factor seen at any look so far (capped at 1).</param>
/// <param name="Mismatch">True once the p-value fell below the threshold: the split is not the one planned, do not trust the results.</param>
public sealed record SequentialSampleRatioCheck(double PValue, bool Mismatch);

/// <summary>
/// Sample-ratio mismatch checked at every look (Lindon &amp; Malek 2022, "Anytime-valid inference for multinomial count
/// data"): a Dirichlet-multinomial mixture against the planned split; its Bayes factor is a test martingale, so
/// 1/(largest factor so far) is a p-value valid at any look. A chi-square test repeated daily would cry wolf.
/// </summary>
public static class SequentialSampleRatio
{
    /// <summary>Prior strength: α = strength × planned share per arm (a prior centred on the plan).</summary>
    public const double DefaultPriorStrength = 100;

    /// <summary>log Bayes factor of "some other split" (Dirichlet mixture) over the planned split for these counts.</summary>
    public static double LogBayesFactor(IReadOnlyList<long> counts, IReadOnlyList<double> plannedShares, double priorStrength = DefaultPriorStrength)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(plannedShares);
        if (counts.Count != plannedShares.Count || counts.Count < 2 || plannedShares.Any(p => !(p > 0)) || counts.Any(c => c < 0))
        {
            throw new ArgumentException("One non-negative count and one positive planned share per arm, at least two arms.");
        }

        var total = plannedShares.Sum();
        var n = counts.Sum();
        var alphaSum = 0.0;
        var logBf = 0.0;
        for (var i = 0; i < counts.Count; i++)
        {
            var p = plannedShares[i] / total;
            var a = priorStrength * p;
            alphaSum += a;
            logBf += SpecialFunctions.GammaLn(a + counts[i]) - SpecialFunctions.GammaLn(a) - counts[i] * Math.Log(p);
        }

        return logBf + SpecialFunctions.GammaLn(alphaSum) - SpecialFunctions.GammaLn(alphaSum + n);
    }

    /// <summary>
    /// Checks the counts of every look so far (cumulative, oldest first) and returns the check at the latest look.
    /// </summary>
    /// <param name="countsPerLook">Cumulative customers per arm at each look.</param>
    /// <param name="plannedShares">The planned split.</param>
    /// <param name="threshold">Flag a mismatch below this p-value (0.001, as the fixed-horizon check).</param>
    /// <param name="priorStrength">Dirichlet prior strength.</param>
    public static SequentialSampleRatioCheck Check(
        IEnumerable<IReadOnlyList<long>> countsPerLook, IReadOnlyList<double> plannedShares, double threshold = 0.001, double priorStrength = DefaultPriorStrength)
    {
        ArgumentNullException.ThrowIfNull(countsPerLook);
        var maxLogBf = 0.0;
        foreach (var counts in countsPerLook)
        {
            maxLogBf = Math.Max(maxLogBf, LogBayesFactor(counts, plannedShares, priorStrength));
        }

        var p = Math.Min(1, Math.Exp(-maxLogBf));
        return new SequentialSampleRatioCheck(p, p < threshold);
    }
}
