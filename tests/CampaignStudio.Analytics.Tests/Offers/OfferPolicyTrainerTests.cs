using System.Diagnostics;
using CampaignStudio.Analytics.Offers;
using Xunit.Abstractions;

namespace CampaignStudio.Analytics.Tests.Offers;

public class OfferPolicyTrainerTests(ITestOutputHelper output)
{
    // Fewer trees than the default keep a 50,000-customer run to seconds; the signal here is strong.
    private static readonly OfferPolicyOptions Fast = new(NumberOfTrees: 40, NumberOfLeaves: 16);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AtFiftyThousandTheRecommendationIsNeverWorthLessThanTheBestSingleArm(int seed)
    {
        var shop = SyntheticShop.Create(50_000, seed);
        var watch = Stopwatch.StartNew();

        var policy = OfferPolicyTrainer.Train(shop.Experiment, Fast with { Seed = seed });

        var bestSingle = Enumerable.Range(0, SyntheticShop.Arms.Length).Max(shop.TrueValueOfArm);
        var recommended = shop.TrueValue(policy.RecommendedAssignment);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s; recommended {recommended:0.###} vs best arm {bestSingle:0.###}, oracle {shop.OracleValue:0.###}; " +
                         $"captured {shop.CapturedShare(policy.LearnedAssignment):P1}; {policy.Evaluation.Recommendation.Reason}");
        recommended.ShouldBeGreaterThanOrEqualTo(bestSingle);
        shop.CapturedShare(policy.LearnedAssignment).ShouldBeGreaterThan(0.75);
    }
}
