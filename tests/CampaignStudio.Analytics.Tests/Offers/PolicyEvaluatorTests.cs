using CampaignStudio.Analytics.Offers;

namespace CampaignStudio.Analytics.Tests.Offers;

public class PolicyEvaluatorTests
{
    // Four customers, two arms drawn 50/50: the value model predicts 1 for "no message" and 2 for "e-mail" everywhere.
    private static readonly OfferExperiment Tiny = new(
        [[0f], [1f], [2f], [3f]], ["x"], ["No message", "E-mail"], controlArm: 0, armShares: [0.5, 0.5],
        arm: [0, 1, 0, 1], value: [0, 4, 2, 2]);

    private static readonly double[][] Model = [[1, 2], [1, 2], [1, 2], [1, 2]];

    [Fact]
    public void ScoresCorrectTheModelWithTheObservedValueOverTheArmsShare()
    {
        var scores = PolicyEvaluator.Scores(Tiny, Model);

        // Γ(a) = m(a) + 1{A = a}(Y − m(a)) / 0.5
        scores[0].ShouldBe([1 + (0 - 1) / 0.5, 2]);
        scores[1].ShouldBe([1, 2 + (4 - 2) / 0.5]);
        scores[2].ShouldBe([1 + (2 - 1) / 0.5, 2]);
        scores[3].ShouldBe([1, 2 + (2 - 2) / 0.5]);
    }

    [Fact]
    public void ValuesEachArmAndThePolicyWithNormalIntervals()
    {
        var evaluation = PolicyEvaluator.Evaluate(Tiny, Model, policy: [1, 1, 0, 0]);

        // No message: Γ = −1, 1, 3, 1 → mean 1, sd √(8/3), se = √(8/3)/2; E-mail: 2, 6, 2, 2 → mean 3, sd 2, se 1.
        evaluation.Arms[0].ValuePerCustomer.ShouldBe(1, 1e-12);
        evaluation.Arms[0].StandardError.ShouldBe(Math.Sqrt(8.0 / 3) / 2, 1e-12);
        evaluation.Arms[1].ValuePerCustomer.ShouldBe(3, 1e-12);
        evaluation.BestSingleArm.ShouldBe(1);

        // z(0.975) = 1.9599639845400536 (Python statistics.NormalDist().inv_cdf(0.975))
        evaluation.Arms[1].StandardError.ShouldBe(1, 1e-12);
        evaluation.Arms[1].Ci.Lower.ShouldBe(3 - 1.9599639845400536, 1e-9);

        // Policy: e-mail, e-mail, no message, no message → Γ = 2, 6, 3, 1 → mean 3; paired gain over e-mail: 0, 0, 1, −1.
        evaluation.LearnedPolicy.ValuePerCustomer.ShouldBe(3, 1e-12);
        evaluation.GainOverBestArm.ValuePerCustomer.ShouldBe(0, 1e-12);
        evaluation.GainOverBestArm.StandardError.ShouldBe(Math.Sqrt(2.0 / 3) / 2, 1e-12);
        evaluation.Recommendation.UseLearnedPolicy.ShouldBeFalse();
        evaluation.Recommendation.Arm.ShouldBe(1);
    }

    [Fact]
    public void RecommendsThePolicyOnlyWhenTheGainsLowerBoundIsAboveZero()
    {
        var n = 400;
        var features = Enumerable.Range(0, n).Select(i => new[] { (float)(i % 2) }).ToArray();
        var arm = Enumerable.Range(0, n).Select(i => (i / 2) % 2).ToArray();

        // Even customers are worth 10 with the e-mail and 0 without; odd ones the other way round.
        var value = Enumerable.Range(0, n).Select(i => (i % 2 == 0) == (arm[i] == 1) ? 10.0 : 0.0).ToArray();
        var data = new OfferExperiment(features, ["x"], ["No message", "E-mail"], 0, [0.5, 0.5], arm, value);
        var model = Enumerable.Range(0, n).Select(_ => new[] { 5.0, 5.0 }).ToArray();

        var evaluation = PolicyEvaluator.Evaluate(data, model, Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1 : 0).ToArray());

        evaluation.LearnedPolicy.ValuePerCustomer.ShouldBe(10, 1e-9);
        evaluation.GainOverBestArm.Ci.Lower.ShouldBeGreaterThan(0);
        evaluation.Recommendation.UseLearnedPolicy.ShouldBeTrue();
        evaluation.Recommendation.Reason.ShouldStartWith("Choosing the offer per customer brings");
    }
}
