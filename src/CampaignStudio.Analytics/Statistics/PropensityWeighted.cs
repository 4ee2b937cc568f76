using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Statistics;

/// <summary>A propensity-weighted mean (or difference of two) with its standard error and interval.</summary>
/// <param name="N">Customers the estimate is read from.</param>
/// <param name="Mean">The estimate.</param>
/// <param name="StandardError">Sandwich (linearisation) standard error.</param>
/// <param name="Ci">Normal confidence interval.</param>
/// <param name="EffectiveN">Kish's effective sample size, (Σw)² / Σw²: how many equally weighted customers the estimate is worth.</param>
public readonly record struct WeightedEstimate(long N, double Mean, double StandardError, ConfidenceInterval Ci, double EffectiveN);

/// <summary>
/// The one estimator for customers who had unequal chances of the arm they got (a launched policy's exploration and holdout,
/// an adaptive experiment's rounds): each customer counts 1 ÷ (their logged chance of their arm), and the weighted sum is
/// divided by the sum of the weights (Hájek 1971, the self-normalised inverse-propensity estimator; it stays within the range
/// of the outcomes, where Horvitz–Thompson's need not). The standard error is the sandwich one from the estimator's
/// linearisation (Lunceford &amp; Davidian 2004, Statistics in Medicine 23:2937), with the n ÷ (n − 1) factor of HC1 (MacKinnon
/// &amp; White 1985), so that with equal chances it is exactly the usual s ÷ √n. The logged chances are treated as known.
/// </summary>
public static class PropensityWeighted
{
    /// <summary>The weighted mean of <paramref name="outcome"/> over every customer given.</summary>
    /// <param name="outcome">Outcome per customer (0/1 or a value).</param>
    /// <param name="propensity">Each customer's logged chance of the arm they got, in (0, 1].</param>
    /// <param name="confidence">Interval level (0.95).</param>
    public static WeightedEstimate Mean(ReadOnlySpan<double> outcome, ReadOnlySpan<double> propensity, double confidence = 0.95)
    {
        Check(outcome, propensity);
        var all = new bool[outcome.Length];
        Array.Fill(all, true);
        return Contrast(outcome, propensity, all, null, confidence);
    }

    /// <summary>
    /// The weighted mean over the customers in <paramref name="inA"/> minus the one over those in <paramref name="inB"/> (null:
    /// the mean of A alone), both read from the same customers: a customer may be in both (a launched policy that gives them
    /// "no message" counts for the policy and for "no message"), and the standard error pairs them through the influence
    /// function ψᵢ = 1{i∈A}wᵢ(yᵢ − μ̂_A)/w̄_A − 1{i∈B}wᵢ(yᵢ − μ̂_B)/w̄_B, Var = Σψᵢ² ÷ (n(n − 1)).
    /// </summary>
    public static WeightedEstimate Contrast(ReadOnlySpan<double> outcome, ReadOnlySpan<double> propensity, ReadOnlySpan<bool> inA, ReadOnlySpan<bool> inB,
        double confidence = 0.95)
    {
        Check(outcome, propensity);
        if (inA.Length != outcome.Length || (!inB.IsEmpty && inB.Length != outcome.Length))
        {
            throw new ArgumentException("One membership flag per customer.", nameof(inA));
        }

        if (!(confidence is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), "The confidence level is between 0 and 1.");
        }

        var n = outcome.Length;
        var (muA, sumA, squaresA) = Weighted(outcome, propensity, inA);
        if (sumA == 0)
        {
            throw new ArgumentException("Nobody is in the group whose mean is asked for.", nameof(inA));
        }

        double muB = 0, sumB = 0;
        if (!inB.IsEmpty)
        {
            (muB, sumB, _) = Weighted(outcome, propensity, inB);
            if (sumB == 0)
            {
                throw new ArgumentException("Nobody is in the group compared with.", nameof(inB));
            }
        }

        // ψᵢ with w̄ = Σw ÷ n, so ψᵢ = n·(…)/Σw; Var(μ̂) = Σψ² ÷ (n(n − 1)) = n/(n − 1) · Σ(…)² ÷ (Σw)².
        var psiSquares = 0.0;
        for (var i = 0; i < n; i++)
        {
            var w = 1 / propensity[i];
            var psi = (inA[i] ? w * (outcome[i] - muA) / sumA : 0) - (!inB.IsEmpty && inB[i] ? w * (outcome[i] - muB) / sumB : 0);
            psiSquares += psi * psi;
        }

        var variance = n > 1 ? psiSquares * n / (n - 1) : double.NaN;
        var se = Math.Sqrt(variance);
        var mean = inB.IsEmpty ? muA : muA - muB;
        var z = Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
        var members = 0L;
        for (var i = 0; i < n; i++)
        {
            members += inA[i] || (!inB.IsEmpty && inB[i]) ? 1 : 0;
        }

        return new WeightedEstimate(members, mean, se, new ConfidenceInterval(mean - z * se, mean + z * se), sumA * sumA / squaresA);
    }

    private static (double Mean, double SumOfWeights, double SumOfSquaredWeights) Weighted(ReadOnlySpan<double> outcome, ReadOnlySpan<double> propensity, ReadOnlySpan<bool> member)
    {
        double sum = 0, weighted = 0, squares = 0;
        for (var i = 0; i < outcome.Length; i++)
        {
            if (!member[i])
            {
                continue;
            }

            var w = 1 / propensity[i];
            sum += w;
            squares += w * w;
            weighted += w * outcome[i];
        }

        return (sum == 0 ? double.NaN : weighted / sum, sum, squares);
    }

    private static void Check(ReadOnlySpan<double> outcome, ReadOnlySpan<double> propensity)
    {
        if (outcome.Length != propensity.Length)
        {
            throw new ArgumentException("One logged chance per customer.", nameof(propensity));
        }

        if (outcome.Length == 0)
        {
            throw new ArgumentException("At least one customer is needed.", nameof(outcome));
        }

        foreach (var p in propensity)
        {
            if (!(p > 0 && p <= 1))
            {
                throw new ArgumentException("Every logged chance is above 0 and at most 1.", nameof(propensity));
            }
        }

        foreach (var y in outcome)
        {
            if (!double.IsFinite(y))
            {
                throw new ArgumentException("Every outcome is a finite number.", nameof(outcome));
            }
        }
    }
}
