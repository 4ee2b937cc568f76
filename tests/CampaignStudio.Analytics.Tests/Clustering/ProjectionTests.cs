using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class ProjectionTests
{
    [Fact]
    public void FirstAxisFollowsTheDirectionOfMostVariance()
    {
        // Points spread along x = y with a little noise across it.
        var random = new Random(4);
        var rows = Enumerable.Range(0, 500).Select(_ =>
        {
            var t = (float)BlobsTestBuilder.Gaussian(random) * 3;
            var e = (float)BlobsTestBuilder.Gaussian(random) * 0.1f;
            return new[] { t + e, t - e };
        }).ToArray();
        var data = FeatureMatrix.FromRows(["a", "b"], rows);

        var projection = Projection.Pca2D(data, new int[500], sampleSize: 500);

        projection.LoadingsX[0].ShouldBe(Math.Sqrt(0.5), 1e-3);
        projection.LoadingsX[1].ShouldBe(Math.Sqrt(0.5), 1e-3);
        projection.ExplainedVarianceX.ShouldBeGreaterThan(0.99);
        (projection.ExplainedVarianceX + projection.ExplainedVarianceY).ShouldBe(1, 1e-9);
    }

    [Fact]
    public void SamplesPointsWithTheirClustersAndIsRepeatable()
    {
        var (data, truth) = new BlobsTestBuilder().WithClusters(3).WithPointsPerCluster(1_000).Build();

        var first = Projection.Pca2D(data, truth, sampleSize: 300, seed: 8);
        var second = Projection.Pca2D(data, truth, sampleSize: 300, seed: 8);

        first.Points.Count.ShouldBe(300);
        first.Points.Select(p => p.CustomerId).Distinct().Count().ShouldBe(300);
        first.Points.ShouldAllBe(p => truth[(int)p.CustomerId] == p.Cluster);
        second.Points.ShouldBe(first.Points);
    }
}
