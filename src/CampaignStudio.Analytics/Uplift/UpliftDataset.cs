namespace CampaignStudio.Analytics.Uplift;

/// <summary>
/// A finished experiment as uplift training data: one row per customer with covariates,
/// whether the customer was treated (got the e-mail) and the outcome (1/0 for conversions, or revenue).
/// </summary>
public sealed class UpliftDataset
{
    /// <summary>Validates and wraps the arrays (they are not copied).</summary>
    /// <param name="features">Covariates, one row per customer, all rows as long as <paramref name="featureNames"/>.</param>
    /// <param name="featureNames">Covariate names, for explanations and charts.</param>
    /// <param name="treated">True for treated customers, false for control.</param>
    /// <param name="outcome">Outcome per customer.</param>
    public UpliftDataset(float[][] features, IReadOnlyList<string> featureNames, bool[] treated, double[] outcome)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(outcome);
        if (features.Length != treated.Length || features.Length != outcome.Length)
        {
            throw new ArgumentException("Features, treatment flags and outcomes need one entry per customer.");
        }

        if (featureNames.Count == 0 || features.Any(r => r is null || r.Length != featureNames.Count))
        {
            throw new ArgumentException("Every feature row needs one value per feature name.", nameof(features));
        }

        Features = features;
        FeatureNames = featureNames;
        Treated = treated;
        Outcome = outcome;
    }

    /// <summary>Convenience for conversion outcomes.</summary>
    public UpliftDataset(float[][] features, IReadOnlyList<string> featureNames, bool[] treated, bool[] converted)
        : this(features, featureNames, treated, converted?.Select(c => c ? 1.0 : 0.0).ToArray() ?? throw new ArgumentNullException(nameof(converted)))
    {
    }

    /// <summary>Covariates, one row per customer.</summary>
    public float[][] Features { get; }

    /// <summary>Covariate names.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Treatment flag per customer.</summary>
    public bool[] Treated { get; }

    /// <summary>Outcome per customer.</summary>
    public double[] Outcome { get; }

    /// <summary>Number of customers.</summary>
    public int Count => Treated.Length;
}
