using CampaignStudio.Analytics.Clustering;
using static CampaignStudio.Analytics.Clustering.CustomerFeatures;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class ClusterNamerTests
{
    private static readonly ClusterProfile Population = Profile(-1,
        (RecencyDays, 120, 0), (Frequency, 2, 0), (Monetary, 90, 0), (TenureDays, 400, 0), (Engagement, 4, 0),
        (CategoryShareKey("Shoes"), 0.2, 0));

    [Fact]
    public void OneOrderLongAgoIsLapsedOneTimeBuyers() =>
        Name((RecencyDays, 400, 1.2), (Frequency, 1, -0.8), (Monetary, 45, -0.5)).ShouldBe("Lapsed one-time buyers");

    [Fact]
    public void OneRecentOrderIsNewCustomers() =>
        Name((RecencyDays, 8, -1.1), (Frequency, 1, -0.8), (TenureDays, 9, -1.3)).ShouldBe("New customers");

    [Fact]
    public void ManyRecentOrdersAreLoyalRegulars() =>
        Name((RecencyDays, 12, -0.9), (Frequency, 11, 1.4), (Monetary, 700, 1.4)).ShouldBe("Loyal regulars");

    [Fact]
    public void SpendBeyondTheOrderCountIsBigSpenders() =>
        Name((RecencyDays, 60, -0.2), (Frequency, 3, 0.3), (Monetary, 1_500, 1.9)).ShouldBe("Big spenders");

    [Fact]
    public void DominantCategoryShareNamesTheFans() =>
        Name((RecencyDays, 40, -0.3), (Frequency, 4, 0.6), (CategoryShareKey("Shoes"), 0.8, 1.6)).ShouldBe("Shoes fans");

    [Fact]
    public void OpensAndClicksWithFewOrdersAreEngagedBrowsers() =>
        Name((RecencyDays, 150, 0.2), (Frequency, 1.5, -0.3), (Engagement, 25, 1.5)).ShouldBe("Engaged browsers");

    [Fact]
    public void AverageClusterIsTypical() =>
        Name((RecencyDays, 110, 0.1), (Frequency, 2, 0.2), (Monetary, 95, -0.1)).ShouldBe(ClusterNamer.Typical);

    [Fact]
    public void OtherwiseTheMostDistinctiveFeatureNamesTheCluster() =>
        Name((RecencyDays, 100, -0.1), (Frequency, 2, 0.1), (TenureDays, 1_500, 1.7)).ShouldBe("Long-standing customers");

    [Fact]
    public void NamesAreUniqueWithinARun()
    {
        var lapsed = Profile(0, (RecencyDays, 400, 1.2), (Frequency, 1, -0.8));
        var alsoLapsed = Profile(1, (RecencyDays, 300, 0.9), (Frequency, 1, -0.8));
        var stillLapsed = Profile(2, (RecencyDays, 350, 1.0), (Frequency, 1, -0.8));

        ClusterNamer.Name([lapsed, alsoLapsed, stillLapsed], Population)
            .ShouldBe(["Lapsed one-time buyers", "Lapsed one-time buyers (2)", "Lapsed one-time buyers (3)"]);
    }

    [Fact]
    public void EmptyClusterStillGetsAName() =>
        ClusterNamer.NameOne(new ClusterProfile(3, 0, 0, []), Population).ShouldBe("Empty group");

    [Fact]
    public void FeaturesTheRunDidNotUseNeverMatch() =>
        Name((Engagement, 0, -0.2)).ShouldBe(ClusterNamer.Typical);

    private static string Name(params (string Key, double Median, double Z)[] features) =>
        ClusterNamer.NameOne(Profile(0, features), Population);

    private static ClusterProfile Profile(int cluster, params (string Key, double Median, double Z)[] features) =>
        new(cluster, 100, 0.1, features.Select(f => new FeatureSummary(f.Key, f.Median, f.Median, f.Median * 0.8, f.Median * 1.2, f.Z)).ToArray());
}
