using CampaignStudio.Analytics.Offers;

namespace CampaignStudio.Analytics.Tests.Offers;

public class ExplorationPlanTests
{
    [Fact]
    public void PropensitiesAddUpToOneForEveryPolicyArm()
    {
        for (var policyArm = 0; policyArm < 4; policyArm++)
        {
            Enumerable.Range(0, 4).Sum(a => ExplorationPlan.Propensity(a, policyArm, 4, 0, 0.10, 0.05)).ShouldBe(1, 1e-12);
        }
    }

    [Fact]
    public void PropensitiesMatchTheHandComputedShares()
    {
        // 5 % holdout, 10 % exploration over 4 arms: the policy's arm 0.95 × (0.025 + 0.9) = 0.87875,
        // another mailed arm 0.95 × 0.025 = 0.02375, no message (not the policy's) 0.05 + 0.02375 = 0.07375.
        ExplorationPlan.Propensity(2, 2, 4, 0, 0.10, 0.05).ShouldBe(0.87875, 1e-12);
        ExplorationPlan.Propensity(1, 2, 4, 0, 0.10, 0.05).ShouldBe(0.02375, 1e-12);
        ExplorationPlan.Propensity(0, 2, 4, 0, 0.10, 0.05).ShouldBe(0.07375, 1e-12);
    }

    [Fact]
    public void DrawsHoldoutExplorationAndPolicyInTheStatedShares()
    {
        var policy = Enumerable.Repeat(2, 100_000).ToArray();

        var draws = ExplorationPlan.Draw(policy, arms: 4, noMessageArm: 0, exploration: 0.10, holdout: 0.05, seed: 1);

        draws.Count(d => d.Holdout).ShouldBeInRange(4_800, 5_200);
        draws.Where(d => d.Holdout).ShouldAllBe(d => d.Arm == 0);
        draws.Count(d => d.Explored).ShouldBeInRange(9_200, 9_800);
        draws.Count(d => d.Arm == 2).ShouldBeInRange(87_300, 88_500);
        draws.ShouldAllBe(d => d.Propensity == ExplorationPlan.Propensity(d.Arm, 2, 4, 0, 0.10, 0.05));
        ExplorationPlan.Draw(policy, 4, 0, 0.10, 0.05, seed: 1).ShouldBe(draws);
    }
}
