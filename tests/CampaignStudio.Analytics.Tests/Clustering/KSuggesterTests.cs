using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class KSuggesterTests
{
    [Fact]
    public void SuggestsTheTrueNumberOfClearBlobs()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(4).WithPointsPerCluster(500).WithDimensions(5).Build();

        var suggestion = KSuggester.Suggest(data, new KSuggestionOptions { MinK = 2, MaxK = 8, SampleSize = 1_200, Seed = 3 });

        suggestion.SuggestedK.ShouldBe(4);
        suggestion.SampleSize.ShouldBe(1_200);
        suggestion.Ks.ShouldBe([2, 3, 4, 5, 6, 7, 8]);
        suggestion.Silhouettes.Count.ShouldBe(7);
        suggestion.Silhouettes.Max().ShouldBe(suggestion.Silhouettes[2]);
    }

    [Fact]
    public void InertiaFallsAsKGrowsAndFlattensAfterTheTrueK()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(4).WithPointsPerCluster(300).Build();

        var suggestion = KSuggester.Suggest(data, new KSuggestionOptions { MinK = 2, MaxK = 6, SampleSize = 800, Seed = 1 });

        var inertia = suggestion.Inertias;
        inertia[1].ShouldBeLessThan(inertia[0]);
        inertia[2].ShouldBeLessThan(inertia[1]);

        // The elbow: the drop into k = 4 dwarfs the drop after it.
        (inertia[1] - inertia[2]).ShouldBeGreaterThan(5 * (inertia[2] - inertia[3]));
    }

    [Fact]
    public void SmallDataLimitsTheLargestK()
    {
        var data = FeatureMatrix.FromRows(["x"], [[0], [0.1f], [5], [5.1f]]);

        var suggestion = KSuggester.Suggest(data, new KSuggestionOptions { MinK = 2, MaxK = 10 });

        suggestion.Ks.ShouldBe([2, 3, 4]);
        suggestion.SuggestedK.ShouldBe(2);
    }
}
