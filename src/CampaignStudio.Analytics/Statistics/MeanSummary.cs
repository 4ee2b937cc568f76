namespace CampaignStudio.Analytics.Statistics;

/// <summary>
/// Sufficient statistics of one sample: count, mean and sample variance (n − 1 denominator).
/// Everything the t-test, the CIs and the posteriors need, so a million rows reduce to three numbers.
/// </summary>
/// <param name="N">Number of observations.</param>
/// <param name="Mean">Sample mean.</param>
/// <param name="Variance">Sample variance with the n − 1 denominator (0 for a single observation).</param>
public readonly record struct MeanSummary(long N, double Mean, double Variance)
{
    /// <summary>Standard error of the mean, √(s²/n).</summary>
    public double StandardError => Math.Sqrt(Variance / N);

    /// <summary>Variance of the mean, s²/n.</summary>
    public double VarianceOfMean => Variance / N;

    /// <summary>Summarises raw values in two passes (mean first, then centred squares) to avoid cancellation.</summary>
    public static MeanSummary FromValues(ReadOnlySpan<double> values)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("At least one value is needed.", nameof(values));
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        var squares = 0.0;
        foreach (var v in values)
        {
            var d = v - mean;
            squares += d * d;
        }

        return new MeanSummary(values.Length, mean, values.Length > 1 ? squares / (values.Length - 1) : 0);
    }
}
