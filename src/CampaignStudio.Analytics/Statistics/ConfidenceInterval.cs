namespace CampaignStudio.Analytics.Statistics;

/// <summary>A two-sided confidence interval.</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>True when the interval contains <paramref name="value"/> (bounds included).</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}
