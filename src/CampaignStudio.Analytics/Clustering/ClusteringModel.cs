using System.Text.Json.Serialization;
using Microsoft.ML;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// A stored clustering run's scoring side: the preprocessing parameters and the centres (k × features, in the run's
/// size-ordered cluster order). Runs saved before the studio's own k-means (issue 17) hold an ML.NET model instead (zip
/// bytes and the map from ML.NET's labels); they still score. JSON-serializable as is.
/// </summary>
public sealed class ClusteringModel
{
    private readonly Lazy<(MLContext Ml, ITransformer Model)>? _legacy;
    private readonly Preprocessor _preprocessor;

    /// <summary>A model from the studio's k-means.</summary>
    /// <param name="preprocessing">Transforms, means and scales learned on the training customers.</param>
    /// <param name="centroids">k × features, row-major, cluster 0 first.</param>
    public ClusteringModel(PreprocessorParameters preprocessing, IReadOnlyList<float> centroids)
        : this(preprocessing, centroids, null, null)
    {
    }

    /// <summary>Recreates a model from its stored parts: centroids, or (runs saved before issue 17) an ML.NET model.</summary>
    /// <param name="preprocessing">Transforms, means and scales learned on the training customers.</param>
    /// <param name="centroids">k × features, row-major, cluster 0 first.</param>
    /// <param name="modelZip">An older run's ML.NET model as saved by <c>MLContext.Model.Save</c>.</param>
    /// <param name="clusterOfMlNetLabel">With <paramref name="modelZip"/>: run cluster index for ML.NET label 1, 2, … (at position 0, 1, …).</param>
    [JsonConstructor]
    public ClusteringModel(PreprocessorParameters preprocessing, IReadOnlyList<float>? centroids, byte[]? modelZip, IReadOnlyList<int>? clusterOfMlNetLabel)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        Preprocessing = preprocessing;
        _preprocessor = new Preprocessor(preprocessing);
        var d = preprocessing.FeatureKeys.Count;
        if (centroids is not null)
        {
            if (d == 0 || centroids.Count == 0 || centroids.Count % d != 0)
            {
                throw new ArgumentException($"The centroids must be k × {d} values.", nameof(centroids));
            }

            Centroids = centroids;
            K = centroids.Count / d;
            return;
        }

        if (modelZip is null || clusterOfMlNetLabel is null)
        {
            throw new ArgumentException("A model needs its centroids (or, from an older run, the ML.NET model and its label map).", nameof(centroids));
        }

        if (!clusterOfMlNetLabel.Order().SequenceEqual(Enumerable.Range(0, clusterOfMlNetLabel.Count)))
        {
            throw new ArgumentException("The label map must be a permutation of 0..K−1.", nameof(clusterOfMlNetLabel));
        }

        ModelZip = modelZip;
        ClusterOfMlNetLabel = clusterOfMlNetLabel;
        K = clusterOfMlNetLabel.Count;

        // Loaded on first use; scoring is batch Transform, which is safe to share across calls.
        _legacy = new Lazy<(MLContext, ITransformer)>(() =>
        {
            var ml = new MLContext(0);
            return (ml, MlNetKMeans.Load(ml, modelZip));
        });
    }

    /// <summary>Transforms, means and scales learned on the training customers.</summary>
    public PreprocessorParameters Preprocessing { get; }

    /// <summary>Centres in standardized units, k × features, cluster 0 first; null for a run saved before issue 17.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<float>? Centroids { get; }

    /// <summary>An older run's ML.NET k-means model, zip format.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? ModelZip { get; }

    /// <summary>With <see cref="ModelZip"/>: run cluster index for ML.NET label 1, 2, … (at position 0, 1, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? ClusterOfMlNetLabel { get; }

    /// <summary>Number of clusters.</summary>
    [JsonIgnore]
    public int K { get; }

    /// <summary>Features the model expects, in column order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> FeatureKeys => Preprocessing.FeatureKeys;

    /// <summary>
    /// Cluster index for each customer, using the training run's preprocessing. Columns are matched by
    /// key; extra columns are ignored.
    /// </summary>
    public int[] Score(FeatureMatrix customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (customers.RowCount == 0)
        {
            return [];
        }

        var standardized = _preprocessor.Transform(customers);
        if (Centroids is not null)
        {
            // The same nearest-centre rule as training, so the training customers score into their own clusters.
            return LloydKMeans.Assign(standardized, Centroids);
        }

        var (ml, model) = _legacy!.Value;
        var labels = MlNetKMeans.Predict(model, MlNetKMeans.ToDataView(ml, standardized));
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = ClusterOfMlNetLabel![labels[i]];
        }

        return labels;
    }
}
