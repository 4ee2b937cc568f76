using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Bandits;

/// <summary>What one batch of an adaptive experiment brought, per arm.</summary>
/// <param name="Weights">The allocation weights in effect for the batch (from the allocator's log).</param>
/// <param name="Customers">Customers assigned to each arm in the batch.</param>
/// <param name="Outcome">Sum of the outcome (conversions, or value) per arm in the batch.</param>
/// <param name="OutcomeSquares">Sum of squared outcomes per arm (equals <paramref name="Outcome"/> for conversions).</param>
public sealed record BatchResult(IReadOnlyList<double> Weights, IReadOnlyList<long> Customers, IReadOnlyList<double> Outcome, IReadOnlyList<double> OutcomeSquares);

/// <summary>An arm's mean per customer, reweighted by the logged allocation.</summary>
/// <param name="Mean">Inverse-propensity (Horvitz–Thompson) estimate of the arm's mean had everyone got it.</param>
/// <param name="StandardError">Standard error of that estimate.</param>
/// <param name="Ci">Confidence interval.</param>
public sealed record AdaptiveArmEstimate(double Mean, double StandardError, ConfidenceInterval Ci);

/// <summary>
/// Unbiased arm means and lifts from an adaptively allocated experiment. The plain mean of an arm's customers is biased
/// when weights follow the data (arms that looked bad early get fewer customers to recover). Weighting each customer by
/// 1 / (the share their arm had in their batch) — the logged propensity — gives an estimate whose expectation is the arm's
/// true mean whatever the allocation rule did (Horvitz–Thompson; Hadad et al. 2021 on adaptively collected data).
/// </summary>
public static class AdaptiveEstimate
{
    /// <summary>Per arm the reweighted mean, its standard error and a normal interval.</summary>
    public static AdaptiveArmEstimate[] ArmMeans(IReadOnlyList<BatchResult> batches, double confidence = 0.95)
    {
        var (total, sums, squares) = Weighted(batches, control: null);
        return Enumerable.Range(0, sums.Length).Select(a => Estimate(total, sums[a], squares[a], confidence)).ToArray();
    }

    /// <summary>Per arm the reweighted difference to <paramref name="control"/> (0 for the control itself).</summary>
    public static AdaptiveArmEstimate[] Lifts(IReadOnlyList<BatchResult> batches, int control, double confidence = 0.95)
    {
        var (total, sums, squares) = Weighted(batches, control);
        return Enumerable.Range(0, sums.Length).Select(a => Estimate(total, sums[a], squares[a], confidence)).ToArray();
    }

    /// <summary>
    /// Σ of the per-customer terms Y·1{A = a}/w (minus the control's for lifts) and of their squares. A customer in arm b
    /// contributes Y/w_b to b's term and −Y/w_c to every arm's lift when b is the control; cross terms vanish, as one customer
    /// is in one arm.
    /// </summary>
    private static (long Total, double[] Sums, double[] Squares) Weighted(IReadOnlyList<BatchResult> batches, int? control)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("At least one batch is needed.", nameof(batches));
        }

        var arms = batches[0].Weights.Count;
        var sums = new double[arms];
        var squares = new double[arms];
        long total = 0;
        foreach (var b in batches)
        {
            if (b.Weights.Count != arms || b.Customers.Count != arms || b.Outcome.Count != arms || b.OutcomeSquares.Count != arms)
            {
                throw new ArgumentException("Every batch needs one entry per arm.", nameof(batches));
            }

            total += b.Customers.Sum();
            for (var a = 0; a < arms; a++)
            {
                if (b.Customers[a] > 0 && !(b.Weights[a] > 0))
                {
                    throw new ArgumentException("An arm with customers in a batch must have had a positive weight.", nameof(batches));
                }

                if (b.Customers[a] == 0)
                {
                    continue;
                }

                var w = b.Weights[a];
                if (control is { } c && a == c)
                {
                    for (var other = 0; other < arms; other++)
                    {
                        if (other != c)
                        {
                            sums[other] -= b.Outcome[a] / w;
                            squares[other] += b.OutcomeSquares[a] / (w * w);
                        }
                    }

                    continue;
                }

                sums[a] += b.Outcome[a] / w;
                squares[a] += b.OutcomeSquares[a] / (w * w);
            }
        }

        if (control is { } ctl)
        {
            sums[ctl] = 0;
            squares[ctl] = 0;
        }

        return (total, sums, squares);
    }

    private static AdaptiveArmEstimate Estimate(long total, double sum, double squares, double confidence)
    {
        var mean = sum / total;

        // Terms are martingale differences around the mean, so their empirical variance over N gives the SE.
        var variance = Math.Max(0, squares / total - mean * mean);
        var se = Math.Sqrt(variance / total);
        var z = Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
        return new AdaptiveArmEstimate(mean, se, new ConfidenceInterval(mean - z * se, mean + z * se));
    }
}
