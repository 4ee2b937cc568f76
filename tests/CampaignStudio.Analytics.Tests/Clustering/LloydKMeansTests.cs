using System.Globalization;
using System.Text.Json;
using CampaignStudio.Analytics.Clustering;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class LloydKMeansTests
{
    [Theory]
    [InlineData(7)] // one block of centres with padding lanes
    [InlineData(11)] // two blocks
    public void GivesTheSameClustersOnOneCoreAsOnAll(int k)
    {
        // 30,000 rows: several chunks, so the cores really share the work.
        var (data, _) = new BlobsTestBuilder().WithClusters(9).WithPointsPerCluster(3_334).WithDimensions(5).WithSpread(3).Build();

        var one = LloydKMeans.TrainBest(data, k, 300, 1e-4, 2, seed: 17, maxDegreeOfParallelism: 1);
        var all = LloydKMeans.TrainBest(data, k, 300, 1e-4, 2, seed: 17, maxDegreeOfParallelism: 4);

        all.Labels.ShouldBe(one.Labels);
        all.Centroids.ShouldBe(one.Centroids);
        all.Inertia.ShouldBe(one.Inertia);
        all.Iterations.ShouldBe(one.Iterations);
    }

    [Theory]
    // scikit-learn's best of 20 starts on the same rows: reference/kmeans_reference.py (kmeans_reference.txt).
    [InlineData(8, 61764.8359)]
    [InlineData(5, 141287.2812)]
    public void ReachesScikitLearnsInertiaOnOverlappingBlobs(int k, double scikitLearn)
    {
        var data = Blobs();

        var fit = LloydKMeans.TrainBest(data, k, 300, 1e-4, 3, seed: 0);

        fit.Inertia.ShouldBeLessThanOrEqualTo(scikitLearn * 1.01);
        fit.Inertia.ShouldBe(Inertia(data, fit.Labels, fit.Centroids), 1e-6 * fit.Inertia);
        fit.Labels.Distinct().Count().ShouldBe(k);
    }

    [Fact]
    public void FewerDistinctCustomersThanClustersStillEnds()
    {
        // Three distinct rows for four centres: one centre has nobody, and the run still stops.
        var rows = Enumerable.Range(0, 300).Select(i => new float[] { i % 3, (i % 3) * 2 }).ToArray();
        var data = FeatureMatrix.FromRows(["a", "b"], rows);

        var fit = LloydKMeans.TrainBest(data, 4, 50, 1e-4, 1, seed: 3);

        fit.Labels.Length.ShouldBe(300);
        fit.Inertia.ShouldBe(0);
        fit.Labels.Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void StopsBetweenIterationsWhenCancelled()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(4).WithPointsPerCluster(500).Build();
        using var cancel = new CancellationTokenSource();

        Should.Throw<OperationCanceledException>(() =>
            LloydKMeans.TrainBest(data, 4, 300, 1e-4, 3, seed: 1, startFinished: _ => cancel.Cancel(), cancellationToken: cancel.Token));
    }

    [Fact]
    public void AModelSavedBeforeTheStudiosOwnKMeansStillScores()
    {
        // A run stored by an earlier version: an ML.NET k-means model (zip) and its label map, as JSON.
        var (data, _) = new BlobsTestBuilder().WithClusters(3).WithPointsPerCluster(100).WithSpread(1).Build();
        var parameters = Preprocessor.Fit(data, null).Parameters;
        var standardized = new Preprocessor(parameters).Transform(data);
        var ml = new MLContext(1);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, standardized.ColumnCount);
        var view = ml.Data.LoadFromEnumerable(Enumerable.Range(0, standardized.RowCount).Select(i => new Row { Features = standardized.Row(i).ToArray() }), schema);
        var model = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options { FeatureColumnName = "Features", NumberOfClusters = 3, NumberOfThreads = 1 }).Fit(view);
        using var zip = new MemoryStream();
        ml.Model.Save(model, view.Schema, zip);
        var expected = model.Transform(view).GetColumn<uint>("PredictedLabel").Select(l => (int)l - 1).ToArray();
        var json = JsonSerializer.Serialize(new { Preprocessing = parameters, ModelZip = zip.ToArray(), ClusterOfMlNetLabel = new[] { 0, 1, 2 } });

        var restored = JsonSerializer.Deserialize<ClusteringModel>(json)!;

        restored.K.ShouldBe(3);
        restored.Centroids.ShouldBeNull();
        restored.Score(data).ShouldBe(expected);
    }

    private static FeatureMatrix Blobs()
    {
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "reference", "kmeans_blobs.csv"))
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        return FeatureMatrix.FromRows(["a", "b", "c", "d"], rows);
    }

    private static double Inertia(FeatureMatrix data, int[] labels, float[] centroids)
    {
        var d = data.ColumnCount;
        double total = 0;
        for (var i = 0; i < data.RowCount; i++)
        {
            for (var f = 0; f < d; f++)
            {
                var diff = (double)data[i, f] - centroids[(labels[i] * d) + f];
                total += diff * diff;
            }
        }

        return total;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}
