namespace CampaignStudio.Analytics.Statistics;

/// <summary>
/// Sufficient statistics of an outcome y and a pre-period covariate x: count, means, sample variances
/// and sample covariance (all with the n − 1 denominator). This is all CUPED needs.
/// </summary>
/// <param name="N">Number of observations.</param>
/// <param name="MeanY">Mean of the outcome.</param>
/// <param name="MeanX">Mean of the covariate.</param>
/// <param name="VarianceY">Sample variance of the outcome.</param>
/// <param name="VarianceX">Sample variance of the covariate.</param>
/// <param name="Covariance">Sample covariance of outcome and covariate.</param>
public readonly record struct CovariateSummary(
    long N, double MeanY, double MeanX, double VarianceY, double VarianceX, double Covariance)
{
    /// <summary>Summarises paired values in two passes (means, then centred products).</summary>
    public static CovariateSummary FromValues(ReadOnlySpan<double> y, ReadOnlySpan<double> x)
    {
        if (y.Length != x.Length)
        {
            throw new ArgumentException("Outcome and covariate need the same length.", nameof(x));
        }

        if (y.Length < 2)
        {
            throw new ArgumentException("At least two rows are needed.", nameof(y));
        }

        double sumY = 0, sumX = 0;
        for (var i = 0; i < y.Length; i++)
        {
            sumY += y[i];
            sumX += x[i];
        }

        double meanY = sumY / y.Length, meanX = sumX / y.Length;
        double syy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < y.Length; i++)
        {
            double dy = y[i] - meanY, dx = x[i] - meanX;
            syy += dy * dy;
            sxx += dx * dx;
            sxy += dx * dy;
        }

        var df = y.Length - 1.0;
        return new CovariateSummary(y.Length, meanY, meanX, syy / df, sxx / df, sxy / df);
    }

    /// <summary>
    /// Pools several groups into the summary of their union (Chan et al. parallel update):
    /// within-group co-moments plus the between-group spread of the group means.
    /// </summary>
    public static CovariateSummary Combine(IReadOnlyCollection<CovariateSummary> groups)
    {
        var n = groups.Sum(g => g.N);
        if (n < 2)
        {
            throw new ArgumentException("At least two rows are needed.", nameof(groups));
        }

        var meanY = groups.Sum(g => g.N * g.MeanY) / n;
        var meanX = groups.Sum(g => g.N * g.MeanX) / n;
        double syy = 0, sxx = 0, sxy = 0;
        foreach (var g in groups)
        {
            double dy = g.MeanY - meanY, dx = g.MeanX - meanX;
            syy += (g.N - 1) * g.VarianceY + g.N * dy * dy;
            sxx += (g.N - 1) * g.VarianceX + g.N * dx * dx;
            sxy += (g.N - 1) * g.Covariance + g.N * dx * dy;
        }

        var df = n - 1.0;
        return new CovariateSummary(n, meanY, meanX, syy / df, sxx / df, sxy / df);
    }
}
