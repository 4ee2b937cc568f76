using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>
/// The observed data of one experiment arm. Build it with <see cref="ForRate"/> (conversion counts),
/// <see cref="ForValues"/> (one value per customer, e.g. revenue, optionally with a pre-period value for CUPED)
/// or <see cref="ForSummary"/> (aggregates computed elsewhere, e.g. in SQL).
/// </summary>
public sealed record ArmData
{
    private ArmData(string name, bool isControl, double expectedWeight, long n)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An arm needs a name.", nameof(name));
        }

        if (!(expectedWeight > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(expectedWeight), "The planned weight must be positive.");
        }

        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "An arm needs at least one customer.");
        }

        Name = name;
        IsControl = isControl;
        ExpectedWeight = expectedWeight;
        N = n;
    }

    /// <summary>Arm name shown to marketers.</summary>
    public string Name { get; }

    /// <summary>True for the arm every other arm is compared with.</summary>
    public bool IsControl { get; }

    /// <summary>Planned share of traffic (any positive scale; normalised across arms) for the sample-ratio check.</summary>
    public double ExpectedWeight { get; }

    /// <summary>Number of customers in the arm.</summary>
    public long N { get; }

    /// <summary>Converted customers (rate arms only).</summary>
    public long? Conversions { get; private init; }

    /// <summary>Outcome summary (value arms only).</summary>
    public MeanSummary? Summary { get; private init; }

    /// <summary>Outcome and pre-period covariate summary when a covariate was supplied (value arms only).</summary>
    public CovariateSummary? CovariateSummary { get; private init; }

    /// <summary>An arm measured as a conversion count out of <paramref name="n"/> customers.</summary>
    public static ArmData ForRate(string name, long n, long conversions, bool isControl = false, double expectedWeight = 1)
    {
        if (conversions < 0 || conversions > n)
        {
            throw new ArgumentOutOfRangeException(nameof(conversions), "Conversions must be between 0 and n.");
        }

        return new ArmData(name, isControl, expectedWeight, n) { Conversions = conversions };
    }

    /// <summary>
    /// An arm with one value per customer (revenue, or 0/1). The values are reduced to sufficient statistics
    /// immediately, so the arrays are not kept. <paramref name="preValues"/> enables CUPED.
    /// </summary>
    public static ArmData ForValues(
        string name, ReadOnlySpan<double> values, ReadOnlySpan<double> preValues = default, bool isControl = false, double expectedWeight = 1)
    {
        var arm = new ArmData(name, isControl, expectedWeight, values.Length) { Summary = MeanSummary.FromValues(values) };
        return preValues.IsEmpty ? arm : arm with { CovariateSummary = Statistics.CovariateSummary.FromValues(values, preValues) };
    }

    /// <summary>An arm given by precomputed sufficient statistics.</summary>
    public static ArmData ForSummary(
        string name, MeanSummary summary, CovariateSummary? covariate = null, bool isControl = false, double expectedWeight = 1)
    {
        if (covariate is { } c && c.N != summary.N)
        {
            throw new ArgumentException("Covariate summary must describe the same customers.", nameof(covariate));
        }

        return new ArmData(name, isControl, expectedWeight, summary.N) { Summary = summary, CovariateSummary = covariate };
    }
}
