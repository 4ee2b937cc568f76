namespace CampaignStudio.Analytics.Offers;

/// <summary>
/// A finished randomized experiment with several offers: per customer the covariates, the arm drawn and the value the
/// customer brought in that arm (see <see cref="OfferValue"/>). The arms' shares of the random draw (or the propensities
/// logged per customer by a launched policy's exploration) are known; nothing is estimated about who got which offer.
/// </summary>
public sealed class OfferExperiment
{
    /// <summary>Validates and wraps the arrays (they are not copied).</summary>
    /// <param name="features">Covariates, one row per customer, as long as <paramref name="featureNames"/>.</param>
    /// <param name="featureNames">Covariate names.</param>
    /// <param name="armNames">Arm names, e.g. "No message", "Plain e-mail", "10 % off".</param>
    /// <param name="controlArm">Index of the "no message" arm every other arm is compared with.</param>
    /// <param name="armShares">Share of customers the design sent to each arm (normalised to sum to 1).</param>
    /// <param name="arm">Arm index per customer.</param>
    /// <param name="value">Value of each customer in the arm they were in.</param>
    /// <param name="propensity">
    /// Per customer the logged chance of getting the arm they got, for data from a launched policy with exploration
    /// (see <see cref="ExplorationPlan"/>); null for a plain randomized test, where it is the arm's share.
    /// </param>
    public OfferExperiment(
        float[][] features, IReadOnlyList<string> featureNames, IReadOnlyList<string> armNames, int controlArm,
        IReadOnlyList<double> armShares, int[] arm, double[] value, double[]? propensity = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(armNames);
        ArgumentNullException.ThrowIfNull(armShares);
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(value);
        if (armNames.Count < 2)
        {
            throw new ArgumentException("An experiment needs at least two arms.", nameof(armNames));
        }

        if (controlArm < 0 || controlArm >= armNames.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(controlArm), "The control arm must be one of the arms.");
        }

        if (armShares.Count != armNames.Count || armShares.Any(s => !(s > 0)))
        {
            throw new ArgumentException("Every arm needs a positive share of the random draw.", nameof(armShares));
        }

        if (features.Length != arm.Length || value.Length != arm.Length)
        {
            throw new ArgumentException("Features, arms and values need one entry per customer.");
        }

        if (featureNames.Count == 0 || features.Any(r => r is null || r.Length != featureNames.Count))
        {
            throw new ArgumentException("Every feature row needs one value per feature name.", nameof(features));
        }

        if (arm.Any(a => a < 0 || a >= armNames.Count))
        {
            throw new ArgumentException("Every customer's arm must be one of the arms.", nameof(arm));
        }

        if (propensity is not null && (propensity.Length != arm.Length || propensity.Any(p => !(p > 0 && p <= 1))))
        {
            throw new ArgumentException("A logged propensity per customer, above 0 and at most 1.", nameof(propensity));
        }

        var total = armShares.Sum();
        Features = features;
        FeatureNames = featureNames;
        ArmNames = armNames;
        ControlArm = controlArm;
        ArmShares = armShares.Select(s => s / total).ToArray();
        Arm = arm;
        Value = value;
        Propensity = propensity ?? arm.Select(a => ArmShares[a]).ToArray();
    }

    /// <summary>Covariates, one row per customer.</summary>
    public float[][] Features { get; }

    /// <summary>Covariate names.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Arm names.</summary>
    public IReadOnlyList<string> ArmNames { get; }

    /// <summary>Index of the "no message" (control) arm.</summary>
    public int ControlArm { get; }

    /// <summary>Known probability of each arm in the random draw (sums to 1).</summary>
    public IReadOnlyList<double> ArmShares { get; }

    /// <summary>Arm index per customer.</summary>
    public int[] Arm { get; }

    /// <summary>Value per customer in the arm they were in.</summary>
    public double[] Value { get; }

    /// <summary>Per customer the chance they had of getting the arm they got (the design's share unless logged otherwise).</summary>
    public double[] Propensity { get; }

    /// <summary>Number of customers.</summary>
    public int Count => Arm.Length;

    /// <summary>Number of arms.</summary>
    public int ArmCount => ArmNames.Count;
}
