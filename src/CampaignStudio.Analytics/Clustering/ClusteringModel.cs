using System.Text.Json.Serialization;
using Microsoft.ML;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// A stored clustering run's scoring side: the preprocessing parameters, the ML.NET k-means model (zip
/// bytes) and the map from ML.NET's cluster labels to the run's size-ordered cluster indices.
/// JSON-serializable as is (the model bytes become base64).
/// </summary>
public sealed class ClusteringModel
{
    private readonly Lazy<(MLContext Ml, ITransformer Model)> _loaded;
    private readonly Preprocessor _preprocessor;

    /// <summary>Recreates a model from its stored parts.</summary>
    /// <param name="preprocessing">Transforms, means and scales learned on the training customers.</param>
    /// <param name="modelZip">The ML.NET model as saved by <c>MLContext.Model.Save</c>.</param>
    /// <param name="clusterOfMlNetLabel">Run cluster index for ML.NET label 1, 2, … (at position 0, 1, …).</param>
    [JsonConstructor]
    public ClusteringModel(PreprocessorParameters preprocessing, byte[] modelZip, IReadOnlyList<int> clusterOfMlNetLabel)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(modelZip);
        ArgumentNullException.ThrowIfNull(clusterOfMlNetLabel);
        if (!clusterOfMlNetLabel.Order().SequenceEqual(Enumerable.Range(0, clusterOfMlNetLabel.Count)))
        {
            throw new ArgumentException("The label map must be a permutation of 0..K−1.", nameof(clusterOfMlNetLabel));
        }

        Preprocessing = preprocessing;
        ModelZip = modelZip;
        ClusterOfMlNetLabel = clusterOfMlNetLabel;
        _preprocessor = new Preprocessor(preprocessing);

        // Loaded on first use; scoring is batch Transform, which is safe to share across calls.
        _loaded = new Lazy<(MLContext, ITransformer)>(() =>
        {
            var ml = new MLContext(0);
            return (ml, MlNetKMeans.Load(ml, ModelZip));
        });
    }

    /// <summary>Transforms, means and scales learned on the training customers.</summary>
    public PreprocessorParameters Preprocessing { get; }

    /// <summary>The ML.NET k-means model, zip format.</summary>
    public byte[] ModelZip { get; }

    /// <summary>Run cluster index for ML.NET label 1, 2, … (at position 0, 1, …).</summary>
    public IReadOnlyList<int> ClusterOfMlNetLabel { get; }

    /// <summary>Number of clusters.</summary>
    [JsonIgnore]
    public int K => ClusterOfMlNetLabel.Count;

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
        var (ml, model) = _loaded.Value;
        var labels = MlNetKMeans.Predict(model, MlNetKMeans.ToDataView(ml, standardized));
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = ClusterOfMlNetLabel[labels[i]];
        }

        return labels;
    }
}
