using System.Text.Json;
using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class KMeansClustererTests
{
    [Fact]
    public void RecoversWellSeparatedBlobs()
    {
        var (data, truth) = new BlobsTestBuilder().WithClusters(5).WithPointsPerCluster(400).WithDimensions(6).Build();

        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 5, Seed = 1 });

        ClusterMetrics.AdjustedRandIndex(truth, result.Assignments).ShouldBeGreaterThanOrEqualTo(0.95);
        result.Sizes.Sum().ShouldBe(2000);
    }

    [Fact]
    public void SameInputAndSeedGiveIdenticalClusters()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(6).WithPointsPerCluster(300).WithSpread(3).Build();
        var options = new ClusteringOptions { K = 6, Seed = 123 };

        var first = KMeansClusterer.Fit(data, options);
        var second = KMeansClusterer.Fit(data, options);

        second.Assignments.ShouldBe(first.Assignments);
        second.Inertia.ShouldBe(first.Inertia);
        second.Centroids.SelectMany(c => c).ShouldBe(first.Centroids.SelectMany(c => c));
        second.Model.Centroids.ShouldBe(first.Model.Centroids);
    }

    [Fact]
    public void MoreStartsNeverGiveAWorseFit()
    {
        var (data, truth) = new BlobsTestBuilder().WithClusters(5).WithPointsPerCluster(200).WithSeed(11).Build();

        // Each start is k-means++ from a seeded stream; the first start is the same in both runs.
        var one = KMeansClusterer.Fit(data, new ClusteringOptions { K = 5, Seed = 0, Restarts = 1 });
        var five = KMeansClusterer.Fit(data, new ClusteringOptions { K = 5, Seed = 0, Restarts = 5 });

        five.Inertia.ShouldBeLessThanOrEqualTo(one.Inertia);
        ClusterMetrics.AdjustedRandIndex(truth, five.Assignments).ShouldBeGreaterThanOrEqualTo(0.95);
    }

    [Fact]
    public void ClustersAreNumberedBySizeAndInertiaMatchesTheCentroids()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(4).WithPointsPerCluster(150).Build();

        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 3, Seed = 5 });

        result.Sizes.ShouldBe(result.Sizes.OrderByDescending(s => s).ToArray());
        result.Sizes.ShouldBe(Enumerable.Range(0, 3).Select(c => result.Assignments.Count(a => a == c)).ToArray());
        var standardized = new Preprocessor(result.Model.Preprocessing).Transform(data);
        var centroids = result.Centroids.SelectMany(c => c).Select(v => (float)v).ToArray();
        result.Inertia.ShouldBe(ClusterMetrics.Inertia(standardized, result.Assignments, centroids), 1e-6 * result.Inertia);
    }

    [Fact]
    public void ProfilesAreInOriginalUnits()
    {
        var (data, group) = CustomerTestBuilder.ThreeGroups();

        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 3, Seed = 3 });

        ClusterMetrics.AdjustedRandIndex(group, result.Assignments).ShouldBe(1.0);
        var lapsed = result.Profiles.Single(p => p.Feature(CustomerFeatures.RecencyDays)!.Median > 200);
        lapsed.Size.ShouldBe(300);
        lapsed.Share.ShouldBe(1.0 / 3, 1e-9);
        lapsed.Feature(CustomerFeatures.Frequency)!.Median.ShouldBe(1);
        lapsed.Feature(CustomerFeatures.Monetary)!.Median.ShouldBe(45, 3);
        lapsed.Feature(CustomerFeatures.RecencyDays)!.P25.ShouldBeLessThan(400);
        lapsed.Feature(CustomerFeatures.RecencyDays)!.P75.ShouldBeGreaterThan(400);
        lapsed.Feature(CustomerFeatures.RecencyDays)!.Centroid.ShouldBeGreaterThan(1); // far above the population
        result.Population.Size.ShouldBe(900);
    }

    [Fact]
    public void NamesTheRecognisableGroups()
    {
        var (data, group) = CustomerTestBuilder.ThreeGroups();

        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 3, Seed = 3 });

        string NameOfGroup(int g) => result.Names[result.Assignments[Array.IndexOf(group, g)]];
        NameOfGroup(0).ShouldBe("Lapsed one-time buyers");
        NameOfGroup(1).ShouldBe("Loyal regulars");
        NameOfGroup(2).ShouldBe("New customers");
    }

    [Fact]
    public void SavedModelScoresTheTrainingCustomersIntoTheirClusters()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(5).WithPointsPerCluster(200).WithSpread(2.5).Build();
        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 5, Seed = 9 });

        // Stored as JSON (model bytes as base64) and brought back, as a saved run would be.
        var json = JsonSerializer.Serialize(result.Model);
        var restored = JsonSerializer.Deserialize<ClusteringModel>(json)!;

        restored.K.ShouldBe(5);
        restored.FeatureKeys.ShouldBe(data.FeatureKeys);
        restored.Score(data).ShouldBe(result.Assignments);
    }

    [Fact]
    public void ScoresNewCustomersIntoTheNearestCluster()
    {
        var (data, group) = CustomerTestBuilder.ThreeGroups();
        var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = 3, Seed = 3 });
        var lapsedCluster = result.Assignments[Array.IndexOf(group, 0)];

        // Columns in a different order: matched by key.
        var newcomer = FeatureMatrix.FromRows(
            [CustomerFeatures.Engagement, CustomerFeatures.TenureDays, CustomerFeatures.Monetary, CustomerFeatures.Frequency, CustomerFeatures.RecencyDays],
            [[0, 500, 39, 1, 380]],
            [424242]);

        result.Model.Score(newcomer).ShouldBe([lapsedCluster]);
    }

    [Fact]
    public void ReportsProgressUpToOne()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(3).WithPointsPerCluster(100).Build();
        var reports = new List<double>();

        KMeansClusterer.Fit(data, new ClusteringOptions { K = 3, Progress = new SynchronousProgress(reports.Add) });

        reports.ShouldNotBeEmpty();
        reports.ShouldBe(reports.Order().ToList());
        reports[^1].ShouldBe(1);
    }

    [Fact]
    public void RejectsFewerCustomersThanClusters()
    {
        var data = FeatureMatrix.FromRows(["x"], [[1], [2]]);
        Should.Throw<ArgumentException>(() => KMeansClusterer.Fit(data, new ClusteringOptions { K = 3 }));
    }

    [Fact]
    public void HonoursCancellationBeforeTraining()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(2).WithPointsPerCluster(50).Build();
        Should.Throw<OperationCanceledException>(
            () => KMeansClusterer.Fit(data, new ClusteringOptions { K = 2 }, new CancellationToken(canceled: true)));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests want the reports in order, now.</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
