using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class ClusterMetricsTests
{
    // References: scikit-learn's adjusted_rand_score documentation examples, and the Hubert–Arabie
    // formula evaluated in Python (math.comb over the contingency table) for the last case.
    [Theory]
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 0, 0, 1, 1 }, 1.0)]
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 1, 1, 0, 0 }, 1.0)]
    [InlineData(new[] { 0, 0, 1, 2 }, new[] { 0, 0, 1, 1 }, 0.5714285714285715)]
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 0, 0, 1, 2 }, 0.5714285714285715)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 1, 2, 3 }, 0.0)]
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 0, 1, 0, 1 }, -0.5)]
    [InlineData(new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 }, new[] { 0, 0, 1, 1, 1, 2, 2, 2, 2 }, 0.35714285714285715)]
    public void AdjustedRandIndexMatchesReference(int[] a, int[] b, double expected) =>
        ClusterMetrics.AdjustedRandIndex(a, b).ShouldBe(expected, 1e-12);

    [Fact]
    public void AdjustedRandIndexIsOneForIdenticalSingleClusterLabelings() =>
        ClusterMetrics.AdjustedRandIndex([3, 3, 3], [7, 7, 7]).ShouldBe(1.0);

    [Fact]
    public void AdjustedRandIndexRejectsLabelingsOfDifferentLength() =>
        Should.Throw<ArgumentException>(() => ClusterMetrics.AdjustedRandIndex([0, 1], [0]));

    [Fact]
    public void MeanSilhouetteMatchesReference()
    {
        // Reference: the silhouette definition evaluated in Python on the same points; the lone point in
        // cluster 2 scores 0, as in scikit-learn.
        var data = FeatureMatrix.FromRows(["x", "y"], [[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [9, 9], [6, 5]]);
        ClusterMetrics.MeanSilhouette(data, [0, 0, 0, 1, 1, 2, 1]).ShouldBe(0.6940054466728647, 1e-6);
    }

    [Fact]
    public void MeanSilhouetteIsZeroForASingleCluster()
    {
        var data = FeatureMatrix.FromRows(["x"], [[0], [1], [2]]);
        ClusterMetrics.MeanSilhouette(data, [0, 0, 0]).ShouldBe(0);
    }

    [Fact]
    public void InertiaSumsSquaredDistancesToOwnCentre()
    {
        var data = FeatureMatrix.FromRows(["x", "y"], [[0, 0], [2, 0], [10, 10], [10, 12]]);
        ClusterMetrics.Inertia(data, [0, 0, 1, 1], [1, 0, 10, 11]).ShouldBe(1 + 1 + 1 + 1, 1e-9);
    }
}
