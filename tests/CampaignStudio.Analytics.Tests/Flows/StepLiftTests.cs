using CampaignStudio.Analytics.Flows;
using CampaignStudio.Analytics.Sequential;
using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Tests.Flows;

public class StepLiftTests
{
    private static StepGroup Group(long customers, long conversions, double valuePerConversion = 50)
    {
        // Value per customer: valuePerConversion for converters, 0 for the rest (mean and n − 1 variance in closed form).
        var p = (double)conversions / customers;
        var mean = p * valuePerConversion;
        var variance = valuePerConversion * valuePerConversion * p * (1 - p) * customers / (customers - 1);
        return new StepGroup(customers, conversions, new MeanSummary(customers, mean, variance));
    }

    [Fact]
    public void AMailThatAddsOrdersIsHelpingAndCountsOnlyTheOrdersItCaused()
    {
        var reading = StepLift.Read(Group(9_000, 900), Group(1_000, 50), optOuts: 9, offerCostPerConversion: 5)!;

        reading.Verdict.ShouldBe(StepVerdict.Helping);
        reading.Rate.Difference.ShouldBe(0.05, 1e-12);
        // 9,000 mailed × 5 pp = 450 caused, not the 900 who ordered after the mail.
        reading.IncrementalConversions.ShouldBe(450, 1e-9);
        reading.IncrementalConversionsInterval.Lower.ShouldBe(reading.Rate.AlwaysValid.Lower * 9_000, 1e-9);
        reading.IncrementalValue!.Value.ShouldBe(450 * 50, 1e-6);
        // The offer is paid by every mailed customer who ordered, those who would have anyway included.
        reading.OfferCost.ShouldBe(900 * 5);
        reading.NetValue!.Value.ShouldBe(450 * 50 - 900 * 5, 1e-6);
    }

    [Fact]
    public void TheIntervalIsTheAlwaysValidOneNotTheFixedHorizonOne()
    {
        var reading = StepLift.Read(Group(9_000, 900), Group(1_000, 50), 0, 0)!;
        var expected = ConfidenceSequence.DifferenceInRates(900, 9_000, 50, 1_000, new StepPauseRule().MinimumSample);

        reading.Rate.AlwaysValid.ShouldBe(expected.AlwaysValid);
        (reading.Rate.AlwaysValid.Upper - reading.Rate.AlwaysValid.Lower).ShouldBeGreaterThan(reading.Rate.FixedHorizon.Upper - reading.Rate.FixedHorizon.Lower);
    }

    [Fact]
    public void AMailThatCostsOrdersIsHarmful()
    {
        var reading = StepLift.Read(Group(9_000, 180), Group(1_000, 60), 0, 0)!;

        reading.Verdict.ShouldBe(StepVerdict.Harmful);
        reading.Reason.ShouldContain("convert less than the holdout");
    }

    [Fact]
    public void TooManyOptOutsAreHarmfulEvenWhenOrdersRise()
    {
        var reading = StepLift.Read(Group(9_000, 900), Group(1_000, 50), optOuts: 360, offerCostPerConversion: 0)!;

        reading.OptOutRate.ShouldBe(0.04, 1e-12);
        reading.OptOutInterval.Lower.ShouldBeGreaterThan(0.01);
        reading.Verdict.ShouldBe(StepVerdict.Harmful);
        reading.Reason.ShouldContain("unsubscribed or complained");
    }

    [Fact]
    public void OptOutsJustAboveTheLimitInASmallSampleAreNotYetHarmful()
    {
        var reading = StepLift.Read(Group(300, 30), Group(100, 5), optOuts: 5, offerCostPerConversion: 0)!;

        reading.OptOutRate.ShouldBeGreaterThan(0.01);
        reading.Verdict.ShouldNotBe(StepVerdict.Harmful);
    }

    [Fact]
    public void NoEffectIsUselessOnlyAfterTheMinimumSample()
    {
        var rule = new StepPauseRule(MinimumSample: 50_000, MinimumWorthwhileLift: 0.01);

        StepLift.Read(Group(900, 45), Group(100, 5), 0, 0, rule)!.Verdict.ShouldBe(StepVerdict.NoClearEffect);
        var big = StepLift.Read(Group(90_000, 4_500), Group(10_000, 500), 0, 0, rule)!;
        big.Rate.AlwaysValid.Upper.ShouldBeLessThan(0.01);
        big.Verdict.ShouldBe(StepVerdict.Useless);
        big.Reason.ShouldContain("100,000 customers");
    }

    [Fact]
    public void TooFewCustomersOnASideGiveNoReading()
    {
        StepLift.Read(Group(500, 20), new StepGroup(1, 0, new MeanSummary(1, 0, 0)), 0, 0).ShouldBeNull();
    }
}
