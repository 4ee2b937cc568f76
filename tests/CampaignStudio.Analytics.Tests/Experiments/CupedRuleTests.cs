using CampaignStudio.Analytics.Experiments;

namespace CampaignStudio.Analytics.Tests.Experiments;

public sealed class CupedRuleTests
{
    [Theory]
    [InlineData(0.0499, false)]
    [InlineData(0.05, true)]
    [InlineData(0.30, true)]
    [InlineData(-0.01, false)]
    public void CupedIsTheDefaultOnlyFromFivePercentLessVariance(double reduction, bool worthIt)
    {
        CupedRule.IsWorthIt(new CupedAdjustment(0.5, reduction)).ShouldBe(worthIt);
    }

    [Fact]
    public void NoAdjustmentIsNeverTheDefault()
    {
        CupedRule.IsWorthIt(null).ShouldBeFalse();
    }
}
