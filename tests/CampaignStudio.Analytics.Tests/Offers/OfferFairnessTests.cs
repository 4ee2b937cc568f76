using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Tests.Offers;

public class OfferFairnessTests
{
    [Fact]
    public void EachArmReportsWhoGetsItByGroup()
    {
        // Six customers, two groups; the policy gives "a" only the 20 % offer, "b" no message or the e-mail.
        var ci = new ConfidenceInterval(0, 0);
        var value = new PolicyValue("x", 0, 0, ci);
        var evaluation = new PolicyEvaluation([value, value, value], value, 0, value, value, new OfferRecommendation(true, null, ""));
        double[][] expected = [[1, 2, 5], [1, 2, 5], [1, 2, 5], [3, 1, 0], [3, 4, 0], [3, 1, 0]];
        int[] assignment = [2, 2, 2, 0, 1, 0];
        var policy = new OfferPolicy(expected, assignment, assignment, new int[6], evaluation);

        var reports = OfferFairness.PerArm(["a", "a", "a", "b", "b", "b"], policy, controlArm: 0, minGroupSize: 1);

        reports.Count.ShouldBe(3);
        reports[2].Groups.Single(g => g.Group == "a").SelectionRate.ShouldBe(1);
        reports[2].Groups.Single(g => g.Group == "b").SelectionRate.ShouldBe(0);
        reports[2].Groups.Single(g => g.Group == "a").MeanPredictedUplift.ShouldBe(4);
        reports[2].Flagged.ShouldBeTrue();
        reports[1].Groups.Single(g => g.Group == "b").Selected.ShouldBe(1);
    }
}
