using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// The ML.NET side of clustering: standardized rows in, a trained k-means transformer, its centroids and
/// per-row cluster indices out. Shared by the full fit, the k suggester and model scoring.
/// </summary>
internal static class MlNetKMeans
{
    internal const string FeaturesColumn = "Features";
    private const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>Trains k-means++ (Yinyang-accelerated Lloyd iterations) on standardized rows.</summary>
    /// <remarks>
    /// One thread: ML.NET's k-means++ seeding is single-threaded and draws from the context's seeded
    /// random source, but the Lloyd iterations split rows over lock-free parallel cursors and the
    /// trainer documents NumberOfThreads as "Determinism not guaranteed" (dotnet/machinelearning #6375,
    /// #7429). Same data + same seed must give the same clusters, so determinism wins over cores.
    /// </remarks>
    public static ClusteringPredictionTransformer<KMeansModelParameters> Train(
        MLContext ml, IDataView data, int k, int maxIterations, float tolerance, CancellationToken cancellationToken)
    {
        var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            FeatureColumnName = FeaturesColumn,
            NumberOfClusters = k,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            MaximumNumberOfIterations = maxIterations,
            OptimizationTolerance = tolerance,
            NumberOfThreads = 1,
        });

        // Core ML.NET 5 exposes no cancellation of a running Fit (CancelExecution lives in the separate
        // Microsoft.ML.Experimental package), so cancellation is honoured before and after training.
        cancellationToken.ThrowIfCancellationRequested();
        return trainer.Fit(data);
    }

    /// <summary>
    /// Trains from <paramref name="restarts"/> k-means++ starts and keeps the one with the lowest inertia.
    /// One context serves all starts: each Fit registers a new host whose random stream is drawn from the
    /// seeded context, so the starts differ from each other yet repeat from run to run.
    /// </summary>
    public static ClusteringPredictionTransformer<KMeansModelParameters> TrainBest(
        MLContext ml, IDataView data, FeatureMatrix standardized, int k, int maxIterations, float tolerance, int restarts,
        Action<int>? startFinished, CancellationToken cancellationToken)
    {
        ClusteringPredictionTransformer<KMeansModelParameters>? best = null;
        var bestInertia = double.PositiveInfinity;
        for (var start = 0; start < restarts; start++)
        {
            var candidate = Train(ml, data, k, maxIterations, tolerance, cancellationToken);
            var inertia = Inertia(candidate, standardized);

            // Strictly lower: on a tie the earlier start wins, which keeps the choice reproducible.
            if (best is null || inertia < bestInertia)
            {
                (best, bestInertia) = (candidate, inertia);
            }

            startFinished?.Invoke(start);
        }

        return best ?? throw new ArgumentOutOfRangeException(nameof(restarts), "At least one start is needed.");
    }

    /// <summary>Centroids in ML.NET's cluster order, row-major k × d.</summary>
    public static float[] Centroids(ClusteringPredictionTransformer<KMeansModelParameters> model, int dimensions)
    {
        VBuffer<float>[] centroids = [];
        model.Model.GetClusterCentroids(ref centroids, out var k);
        var result = new float[k * dimensions];
        for (var c = 0; c < k; c++)
        {
            centroids[c].CopyTo(result.AsSpan(c * dimensions, dimensions));
        }

        return result;
    }

    /// <summary>Sum of squared distances from each row to its nearest centroid: how good a start was.</summary>
    public static double Inertia(ClusteringPredictionTransformer<KMeansModelParameters> model, FeatureMatrix standardized)
    {
        var d = standardized.ColumnCount;
        var centroids = Centroids(model, d);
        var k = centroids.Length / d;
        var values = standardized.RawValues;
        double total = 0;
        for (var i = 0; i < standardized.RowCount; i++)
        {
            var row = values.AsSpan(i * d, d);
            var best = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                var centre = centroids.AsSpan(c * d, d);
                double squared = 0;
                for (var f = 0; f < d; f++)
                {
                    var diff = (double)row[f] - centre[f];
                    squared += diff * diff;
                }

                best = Math.Min(best, squared);
            }

            total += best;
        }

        return total;
    }

    /// <summary>Nearest-centroid index (0-based, ML.NET order) per row, through the model's own Transform.</summary>
    public static int[] Predict(ITransformer model, IDataView data) =>
        // Batch Transform, not a PredictionEngine: faster, and nothing shared between threads.
        model.Transform(data).GetColumn<uint>(PredictedLabelColumn).Select(label => (int)label - 1).ToArray();

    /// <summary>
    /// An IDataView over standardized rows. The feature count is known only at run time, so the vector
    /// size is set on the schema definition; k-means needs a known-size vector.
    /// </summary>
    public static IDataView ToDataView(MLContext ml, FeatureMatrix standardized)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, standardized.ColumnCount);
        var rows = new FeatureRow[standardized.RowCount];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new FeatureRow { Features = standardized.Row(i).ToArray() };
        }

        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Serializes the trained transformer to ML.NET's zip format.</summary>
    public static byte[] Save(MLContext ml, ITransformer model, DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, inputSchema, stream);
        return stream.ToArray();
    }

    /// <summary>Loads a transformer saved by <see cref="Save"/>.</summary>
    public static ITransformer Load(MLContext ml, byte[] zip)
    {
        using var stream = new MemoryStream(zip, writable: false);
        return ml.Model.Load(stream, out _);
    }

    private sealed class FeatureRow
    {
        [ColumnName(FeaturesColumn)]
        public float[] Features { get; set; } = [];
    }
}
