using CampaignStudio.Analytics.Experiments;

namespace CampaignStudio.Analytics.Tests.Experiments;

public sealed class WinnerChoiceTests
{
    private static ExperimentAnalysis Rates(double confidence, params (string Name, long N, long Conversions, bool Control)[] arms) =>
        ExperimentAnalyzer.AnalyzeRates([.. arms.Select(a => ArmData.ForRate(a.Name, a.N, a.Conversions, a.Control))], new AnalysisOptions(Alpha: 1 - confidence, UseCuped: false));

    [Fact]
    public void TheArmMostLikelyBestWinsWhenItsAlwaysValidLiftIsAboveZero()
    {
        var decision = WinnerChoice.Choose(Rates(0.95, ("Plain", 1_000, 100, true), ("20 % off", 1_000, 200, false), ("Story", 1_000, 110, false)), "Plain");

        decision.Arm.ShouldBe("20 % off");
        decision.ByStatistics.ShouldBeTrue();
        decision.Reason.ShouldStartWith("“20 % off” won: it has the highest chance to be best (100.0 %) and beats the control with 95.0 % confidence (lift +");
    }

    [Fact]
    public void ALeaderThatDoesNotBeatTheControlWithTheConfidenceGivesTheFallbackAndSaysSo()
    {
        // 12 % against 10 % on 500 each: the leader, but its always-valid interval of the lift includes zero.
        var decision = WinnerChoice.Choose(Rates(0.95, ("Plain", 500, 50, true), ("20 % off", 500, 60, false)), "Plain");

        decision.Arm.ShouldBe("Plain");
        decision.ByStatistics.ShouldBeFalse();
        decision.Reason.ShouldStartWith("No clear winner: “20 % off” has the highest chance to be best");
        decision.Reason.ShouldContain("does not beat the control with 95.0 % confidence (lift −");
        decision.Reason.ShouldEndWith("always valid, includes zero), so the rest receive “Plain”.");
    }

    [Fact]
    public void TheSameLeadWinsAtALowerConfidenceTheMarketerStated()
    {
        // 15 % against 10 % on 600 each: not enough at 99 %, enough at 80 %.
        WinnerChoice.Choose(Rates(0.99, ("Plain", 600, 60, true), ("B", 600, 90, false)), "Plain").Arm.ShouldBe("Plain");
        WinnerChoice.Choose(Rates(0.80, ("Plain", 600, 60, true), ("B", 600, 90, false)), "Plain").Arm.ShouldBe("B");
    }

    [Fact]
    public void WhenTheControlIsMostLikelyBestTheFallbackGoesOut()
    {
        var decision = WinnerChoice.Choose(Rates(0.95, ("Plain", 1_000, 150, true), ("20 % off", 1_000, 100, false)), "20 % off");

        decision.Arm.ShouldBe("20 % off");
        decision.ByStatistics.ShouldBeFalse();
        decision.Reason.ShouldBe("No arm beat the control: the control has the highest chance to be best (100.0 %), so the rest receive “20 % off”.");
    }
}
