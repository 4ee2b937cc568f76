using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class CustomerFeaturesTests
{
    [Fact]
    public void MoneyAndCountsAreLogTransformedAndDaysAreNot()
    {
        CustomerFeatures.Get(CustomerFeatures.Monetary).Transform.ShouldBe(FeatureTransform.Log1p);
        CustomerFeatures.Get(CustomerFeatures.Frequency).Transform.ShouldBe(FeatureTransform.Log1p);
        CustomerFeatures.Get(CustomerFeatures.Engagement).Transform.ShouldBe(FeatureTransform.Log1p);
        CustomerFeatures.Get(CustomerFeatures.RecencyDays).Transform.ShouldBe(FeatureTransform.None);
    }

    [Fact]
    public void DefaultsAreRfmTenureAndEngagement() =>
        CustomerFeatures.DefaultKeys.ShouldBe([
            CustomerFeatures.RecencyDays, CustomerFeatures.Frequency, CustomerFeatures.Monetary,
            CustomerFeatures.TenureDays, CustomerFeatures.Engagement]);

    [Fact]
    public void CategoryShareKeysAreResolvedDynamically()
    {
        var key = CustomerFeatures.CategoryShareKey("Garden & Outdoor");

        var definition = CustomerFeatures.Get(key);

        key.ShouldBe("category_share:Garden & Outdoor");
        CustomerFeatures.CategoryOf(key).ShouldBe("Garden & Outdoor");
        definition.Unit.ShouldBe(FeatureUnit.Share);
        definition.Transform.ShouldBe(FeatureTransform.None);
        definition.DefaultOn.ShouldBeFalse();
    }

    [Fact]
    public void UnknownKeysAreRejected()
    {
        Should.Throw<ArgumentException>(() => CustomerFeatures.Get("shoe_size"));
        CustomerFeatures.TransformOf("shoe_size").ShouldBe(FeatureTransform.None);
        CustomerFeatures.CategoryOf(CustomerFeatures.CategorySharePrefix).ShouldBeNull();
    }
}
