using CampaignStudio.Analytics.Lifetime;
using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Analytics.Tests.Lifetime;

public class ValueBandsTests
{
    [Fact]
    public void TopTenPercentAreTopThenTwentyThirtyForty()
    {
        var values = Enumerable.Range(1, 100).Select(v => (double)v).Reverse().ToArray();

        var bands = ValueBands.Assign(values);

        bands.Count(b => b == PredictedValueBand.Top).ShouldBe(10);
        bands.Count(b => b == PredictedValueBand.High).ShouldBe(20);
        bands.Count(b => b == PredictedValueBand.Medium).ShouldBe(30);
        bands.Count(b => b == PredictedValueBand.Low).ShouldBe(40);
        bands[0].ShouldBe(PredictedValueBand.Top);
        bands[99].ShouldBe(PredictedValueBand.Low);
    }

    [Fact]
    public void LifetimeModelScoresValueAsPurchasesTimesSpendAndDiscountsIt()
    {
        var model = new LifetimeModel(new BgNbdParameters(0.25, 30, 0.8, 2.4), new GammaGammaParameters(6, 4, 15));
        var history = new RepeatHistory(4, 200, 260, 40);

        var plain = model.Score(history);
        var discounted = (model with { AnnualDiscountRate = 0.1 }).Score(history);

        plain.ExpectedValue.ShouldBe(plain.Purchases365 * plain.AverageSpend, 1e-9);
        plain.Purchases30.ShouldBeLessThan(plain.Purchases90);
        plain.Purchases90.ShouldBeLessThan(plain.Purchases365);
        plain.ChurnRisk.ShouldBe(1 - plain.ProbabilityAlive);
        discounted.ExpectedValue.ShouldBeLessThan(plain.ExpectedValue);
        discounted.ExpectedValue.ShouldBeGreaterThan(plain.ExpectedValue / 1.1);
    }
}
