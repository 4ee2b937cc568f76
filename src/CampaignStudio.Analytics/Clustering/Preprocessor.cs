namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// What <see cref="Preprocessor"/> learned from the training customers; stored with a clustering run
/// (plain JSON) so new customers are transformed exactly like the ones the clusters were fitted on.
/// </summary>
/// <param name="FeatureKeys">Feature keys, in model column order.</param>
/// <param name="Transforms">Transform per feature.</param>
/// <param name="Means">Mean of each transformed feature.</param>
/// <param name="Scales">
/// Divisor per feature: the population standard deviation of the transformed feature, or 1 when it is
/// constant (the feature then standardizes to 0 for everyone, as in scikit-learn's StandardScaler).
/// </param>
public sealed record PreprocessorParameters(
    IReadOnlyList<string> FeatureKeys,
    IReadOnlyList<FeatureTransform> Transforms,
    IReadOnlyList<double> Means,
    IReadOnlyList<double> Scales);

/// <summary>
/// log1p for skewed features, then z-score standardization, so every feature weighs the same in
/// k-means' squared distances whatever its unit (days against euros against orders).
/// Missing values (NaN) are ignored when fitting and become 0, the mean, when transforming.
/// </summary>
public sealed class Preprocessor
{
    /// <summary>Recreates a fitted preprocessor from stored parameters.</summary>
    public Preprocessor(PreprocessorParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var n = parameters.FeatureKeys.Count;
        if (n == 0 || parameters.Transforms.Count != n || parameters.Means.Count != n || parameters.Scales.Count != n)
        {
            throw new ArgumentException("Every feature needs a transform, a mean and a scale.", nameof(parameters));
        }

        if (parameters.Scales.Any(s => !(s > 0) || double.IsInfinity(s)) || parameters.Means.Any(m => !double.IsFinite(m)))
        {
            throw new ArgumentException("Means must be finite and scales positive.", nameof(parameters));
        }

        Parameters = parameters;
    }

    /// <summary>The learned parameters, for storage.</summary>
    public PreprocessorParameters Parameters { get; }

    /// <summary>
    /// Learns means and scales from the training customers.
    /// </summary>
    /// <param name="data">Raw features.</param>
    /// <param name="transforms">Transform per column; by default each key's catalogue transform (<see cref="CustomerFeatures"/>).</param>
    public static Preprocessor Fit(FeatureMatrix data, IReadOnlyList<FeatureTransform>? transforms = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        transforms ??= data.FeatureKeys.Select(CustomerFeatures.TransformOf).ToArray();
        if (transforms.Count != data.ColumnCount)
        {
            throw new ArgumentException("One transform per feature is needed.", nameof(transforms));
        }

        var cols = data.ColumnCount;
        var means = new double[cols];
        var scales = new double[cols];
        var values = data.Values;
        for (var j = 0; j < cols; j++)
        {
            // Welford: one pass, stable for large means (tenure in days, spend in cents).
            long count = 0;
            double mean = 0, m2 = 0;
            for (var i = j; i < values.Length; i += cols)
            {
                var x = values[i];
                if (float.IsNaN(x))
                {
                    continue;
                }

                EnsureFinite(x, data.FeatureKeys[j]);
                var t = Apply(transforms[j], x);
                count++;
                var delta = t - mean;
                mean += delta / count;
                m2 += delta * (t - mean);
            }

            var std = count > 0 ? Math.Sqrt(m2 / count) : 0;
            means[j] = mean;

            // A relative threshold: float noise on a constant column must not turn into a huge z-score.
            scales[j] = std > 1e-12 * Math.Max(1, Math.Abs(mean)) ? std : 1;
        }

        return new Preprocessor(new PreprocessorParameters(data.FeatureKeys.ToArray(), transforms.ToArray(), means, scales));
    }

    /// <summary>
    /// Transformed, standardized features. Columns are matched by key, so the input may hold extra
    /// features or a different order; the result has the fitted key order.
    /// </summary>
    public FeatureMatrix Transform(FeatureMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var source = data.SelectColumns(Parameters.FeatureKeys);
        var cols = source.ColumnCount;
        var input = source.Values;
        var output = new float[input.Length];
        var transforms = Parameters.Transforms;
        var means = Parameters.Means;
        var scales = Parameters.Scales;
        for (var i = 0; i < input.Length; i++)
        {
            var j = i % cols;
            var x = input[i];
            if (float.IsNaN(x))
            {
                continue; // 0 = the mean: a missing value pulls toward no cluster in particular.
            }

            EnsureFinite(x, Parameters.FeatureKeys[j]);
            output[i] = (float)((Apply(transforms[j], x) - means[j]) / scales[j]);
        }

        return new FeatureMatrix(Parameters.FeatureKeys, output, source.CustomerIds.ToArray());
    }

    /// <summary>Applies a transform to one raw value.</summary>
    public static double Apply(FeatureTransform transform, double x) => transform switch
    {
        FeatureTransform.None => x,
        FeatureTransform.Log1p => Math.Log(1 + Math.Max(0, x)),
        _ => throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown transform."),
    };

    private static void EnsureFinite(float x, string key)
    {
        if (float.IsInfinity(x))
        {
            throw new ArgumentException($"Feature '{key}' has an infinite value.");
        }
    }
}
