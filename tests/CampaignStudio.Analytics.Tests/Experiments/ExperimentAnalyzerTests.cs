using System.Diagnostics;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Tests.Experiments;

// Reference values: reference/experiments_reference.py (Debian python3-scipy 1.10.1, python3-statsmodels 0.13.5).
public class ExperimentAnalyzerTests
{
    private static readonly double[] RevenueControl = [12.5, 0.0, 33.1, 8.4, 0.0, 19.9, 45.0, 3.2, 0.0, 27.7, 11.1, 6.6];
    private static readonly double[] RevenueB = [15.2, 22.4, 0.0, 41.3, 9.9, 18.0, 0.0, 36.5, 28.8, 12.0, 7.7, 50.2, 0.0, 24.1, 31.6];
    private static readonly double[] RevenueC = [10.0, 0.0, 5.5, 29.3, 14.4, 0.0, 8.8, 21.7, 3.3, 16.6, 0.0, 12.2, 9.1];

    private static ExperimentAnalysis ThreeRateArms() => ExperimentAnalyzer.AnalyzeRates(
    [
        ArmData.ForRate("Control", 10000, 1000, isControl: true),
        ArmData.ForRate("B", 10100, 1100),
        ArmData.ForRate("C", 9900, 980),
    ]);

    [Fact]
    public void TwoProportionZTestMatchesStatsmodelsProportionsZtest()
    {
        var arms = ThreeRateArms().Arms;
        var b = arms[1].VsControl!;
        var c = arms[2].VsControl!;

        b.Statistic.ShouldMatch(2.0650660711849533);
        b.PValue.ShouldMatch(0.0389167491743038);
        c.Statistic.ShouldMatch(-0.23801665260455868);
        c.PValue.ShouldMatch(0.8118681784032704);
        b.DegreesOfFreedom.ShouldBeNull();
    }

    [Fact]
    public void RateDifferenceCiMatchesStatsmodelsWaldInterval()
    {
        var arms = ThreeRateArms().Arms;

        arms[1].VsControl!.AbsoluteLift.ShouldMatch(1100.0 / 10100 - 0.1);
        arms[1].VsControl!.AbsoluteLiftCi.Lower.ShouldMatch(0.0004560048079045101);
        arms[1].VsControl!.AbsoluteLiftCi.Upper.ShouldMatch(0.0173657773703133);
        arms[2].VsControl!.AbsoluteLiftCi.Lower.ShouldMatch(-0.009327644512686547);
        arms[2].VsControl!.AbsoluteLiftCi.Upper.ShouldMatch(0.007307442492484514);
    }

    [Fact]
    public void RelativeLiftCiIsTheDeltaMethodInterval()
    {
        var arms = ThreeRateArms().Arms;

        arms[1].VsControl!.RelativeLift.ShouldMatch(0.08910891089108897);
        arms[1].VsControl!.RelativeLiftCi.Lower.ShouldMatch(0.0008359398031349413);
        arms[1].VsControl!.RelativeLiftCi.Upper.ShouldMatch(0.17738188197904298);
        arms[2].VsControl!.RelativeLift.ShouldMatch(-0.010101010101010166);
        arms[2].VsControl!.RelativeLiftCi.Lower.ShouldMatch(-0.09285764752030735);
        arms[2].VsControl!.RelativeLiftCi.Upper.ShouldMatch(0.07265562731828702);
    }

    [Fact]
    public void HolmAdjustsAcrossArmsAndDecidesTheVerdict()
    {
        var arms = ThreeRateArms().Arms;

        arms[1].VsControl!.AdjustedPValue.ShouldMatch(0.0778334983486076);
        arms[2].VsControl!.AdjustedPValue.ShouldMatch(0.8118681784032704);
        // B is significant alone (p = 0.039) but not after Holm (0.078): no winner is declared.
        arms[1].VsControl!.Verdict.ShouldBe(ArmVerdict.Inconclusive);
        arms[2].VsControl!.Verdict.ShouldBe(ArmVerdict.Inconclusive);
        arms[0].VsControl.ShouldBeNull();
    }

    [Fact]
    public void BetaBinomialChancesMatchNumericalIntegrationInScipy()
    {
        var arms = ThreeRateArms().Arms;

        arms[0].ChanceToBeBest.ShouldMatch(0.0185278173959952);
        arms[1].ChanceToBeBest.ShouldMatch(0.9718096141337024);
        arms[2].ChanceToBeBest.ShouldMatch(0.009662568470302188);
        arms[1].VsControl!.ChanceToBeatControl.ShouldMatch(0.9805310533207554);
        arms[2].VsControl!.ChanceToBeatControl.ShouldMatch(0.40600688263750995);
    }

    [Fact]
    public void SrmMatchesScipyChisquareAndStaysQuietForAPlausibleSplit()
    {
        var analysis = ThreeRateArms();

        analysis.SampleRatio.ChiSquare.ShouldMatch(2.0);
        analysis.SampleRatio.PValue.ShouldMatch(0.36787944117144245);
        analysis.SampleRatio.DegreesOfFreedom.ShouldBe(2);
        analysis.SampleRatio.Warning.ShouldBeFalse();
        analysis.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void SrmUsesPlannedWeights()
    {
        var check = ExperimentAnalyzer.CheckSampleRatio(
        [
            ArmData.ForRate("Control", 5000, 100, isControl: true, expectedWeight: 0.5),
            ArmData.ForRate("B", 2600, 100, expectedWeight: 0.25),
            ArmData.ForRate("C", 2400, 100, expectedWeight: 0.25),
        ]);

        check.ChiSquare.ShouldMatch(8.0);
        check.PValue.ShouldMatch(0.018315638888734182);
        check.ExpectedShares.ShouldBe([0.5, 0.25, 0.25]);
    }

    [Fact]
    public void SrmWarnsVisiblyWhenTheSplitIsBroken()
    {
        var analysis = ExperimentAnalyzer.AnalyzeRates(
        [
            ArmData.ForRate("Control", 10000, 1000, isControl: true),
            ArmData.ForRate("B", 9000, 950),
        ]);

        analysis.SampleRatio.PValue.ShouldBeLessThan(0.001);
        analysis.SampleRatio.Warning.ShouldBeTrue();
        analysis.Warnings[0].ShouldContain("Sample ratio mismatch");
    }

    [Fact]
    public void WelchTestMatchesScipyTtestIndAndStatsmodelsInterval()
    {
        var analysis = ExperimentAnalyzer.AnalyzeMeans(
        [
            ArmData.ForValues("Control", RevenueControl, isControl: true),
            ArmData.ForValues("B", RevenueB),
            ArmData.ForValues("C", RevenueC),
        ]);
        var b = analysis.Arms[1].VsControl!;
        var c = analysis.Arms[2].VsControl!;

        b.Statistic.ShouldMatch(1.008802119878107);
        b.DegreesOfFreedom!.Value.ShouldMatch(24.32835422602184);
        b.PValue.ShouldMatch(0.32299836775233204);
        b.AbsoluteLiftCi.Lower.ShouldMatch(-6.149952769604754);
        b.AbsoluteLiftCi.Upper.ShouldMatch(17.92661943627143);
        c.Statistic.ShouldMatch(-0.7962669885906147);
        c.DegreesOfFreedom!.Value.ShouldMatch(17.86099049018968);
        c.PValue.ShouldMatch(0.4363332560388332);
        c.AbsoluteLiftCi.Lower.ShouldMatch(-14.156088380007354);
        c.AbsoluteLiftCi.Upper.ShouldMatch(6.377883251802224);
    }

    [Fact]
    public void MeansGetDeltaMethodRelativeCiHolmAndNormalPosteriorChances()
    {
        var analysis = ExperimentAnalyzer.AnalyzeMeans(
        [
            ArmData.ForValues("Control", RevenueControl, isControl: true),
            ArmData.ForValues("B", RevenueB),
            ArmData.ForValues("C", RevenueC),
        ]);
        var arms = analysis.Arms;

        arms[1].VsControl!.RelativeLift.ShouldMatch(0.4218507462686574);
        arms[1].VsControl!.RelativeLiftCi.Lower.ShouldMatch(-0.5931922154576652);
        arms[1].VsControl!.RelativeLiftCi.Upper.ShouldMatch(1.43689370799498);
        arms[2].VsControl!.RelativeLiftCi.Lower.ShouldMatch(-0.8281752665978811);
        arms[2].VsControl!.RelativeLiftCi.Upper.ShouldMatch(0.2709307200996035);
        arms[1].VsControl!.AdjustedPValue.ShouldMatch(0.6459967355046641);
        arms[2].VsControl!.AdjustedPValue.ShouldMatch(0.6459967355046641);
        arms[1].VsControl!.ChanceToBeatControl.ShouldMatch(0.843465227892636);
        arms[2].VsControl!.ChanceToBeatControl.ShouldMatch(0.21293843433050458);
        arms[0].ChanceToBeBest.ShouldMatch(0.15400702507379455);
        arms[1].ChanceToBeBest.ShouldMatch(0.8376101718863792);
        arms[2].ChanceToBeBest.ShouldMatch(0.008382803039823592);
        analysis.Cuped.ShouldBeNull();
    }

    [Fact]
    public void HolmMatchesStatsmodelsMultipletests()
    {
        var adjusted = MultipleTesting.Holm([0.01, 0.04, 0.03, 0.005, 0.2]);

        adjusted.Length.ShouldBe(5);
        adjusted[0].ShouldMatch(0.04);
        adjusted[1].ShouldMatch(0.09);
        adjusted[2].ShouldMatch(0.09);
        adjusted[3].ShouldMatch(0.025);
        adjusted[4].ShouldMatch(0.2);
    }

    [Fact]
    public void CupedMatchesNumpyAdjustmentFollowedByWelch()
    {
        var (yc, xc) = CupedArm(0);
        var (yt, xt) = CupedArm(1);

        var analysis = ExperimentAnalyzer.AnalyzeMeans(
        [
            ArmData.ForValues("Control", yc, xc, isControl: true),
            ArmData.ForValues("Treatment", yt, xt),
        ]);
        var treatment = analysis.Arms[1];

        analysis.Cuped.ShouldNotBeNull();
        analysis.Cuped.Theta.ShouldMatch(0.8053328414766464);
        analysis.Cuped.VarianceReduction.ShouldMatch(0.8556889314825411);
        analysis.Arms[0].Mean.ShouldMatch(36.21607962372964);
        treatment.Mean.ShouldMatch(38.19542037627037);
        treatment.VsControl!.Statistic.ShouldMatch(5.704585073146604);
        treatment.VsControl.DegreesOfFreedom!.Value.ShouldMatch(797.9977717282009);
        treatment.VsControl.PValue.ShouldMatchRelatively(1.6430576013723456e-08);
        treatment.VsControl.AbsoluteLiftCi.Lower.ShouldMatch(1.2982518627331863);
        treatment.VsControl.AbsoluteLiftCi.Upper.ShouldMatch(2.6604296423482716);
        treatment.VsControl.Verdict.ShouldBe(ArmVerdict.Winner);
    }

    [Fact]
    public void CupedCanBeSwitchedOff()
    {
        var (yc, xc) = CupedArm(0);
        var (yt, xt) = CupedArm(1);

        var analysis = ExperimentAnalyzer.AnalyzeMeans(
            [ArmData.ForValues("Control", yc, xc, isControl: true), ArmData.ForValues("Treatment", yt, xt)],
            new AnalysisOptions(UseCuped: false));

        analysis.Cuped.ShouldBeNull();
        analysis.Arms[1].VsControl!.Statistic.ShouldMatch(3.5161001953045363);
        analysis.Arms[1].VsControl!.PValue.ShouldMatch(0.000462705009123529);
    }

    [Fact]
    public void SignificantDropIsALoser()
    {
        var analysis = ExperimentAnalyzer.AnalyzeRates(
            [ArmData.ForRate("Control", 20000, 2000, isControl: true), ArmData.ForRate("B", 20000, 1700)]);

        analysis.Arms[1].VsControl!.Verdict.ShouldBe(ArmVerdict.Loser);
        analysis.Arms[1].VsControl!.ChanceToBeatControl.ShouldBeLessThan(0.001);
    }

    [Fact]
    public void WarnsWhenAnArmHasTooFewConversionsForTheNormalApproximation()
    {
        var analysis = ExperimentAnalyzer.AnalyzeRates(
            [ArmData.ForRate("Control", 500, 12, isControl: true), ArmData.ForRate("B", 500, 4)]);

        analysis.Warnings.ShouldHaveSingleItem().ShouldContain("'B'");
    }

    [Fact]
    public void RejectsExperimentsWithoutExactlyOneControl()
    {
        Should.Throw<ArgumentException>(() => ExperimentAnalyzer.AnalyzeRates(
            [ArmData.ForRate("A", 100, 10), ArmData.ForRate("B", 100, 12)]));
        Should.Throw<ArgumentException>(() => ExperimentAnalyzer.AnalyzeRates(
            [ArmData.ForRate("A", 100, 10, isControl: true), ArmData.ForRate("B", 100, 12, isControl: true)]));
    }

    [Fact]
    public void MillionRowsWithCupedAnalyseWellUnderASecond()
    {
        const int n = 500_000;
        var rng = new Random(7);
        double[] Draw(double shift) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 100 + shift).ToArray();
        double[] yc = Draw(0), xc = Draw(0), yt = Draw(1), xt = Draw(0);

        var watch = Stopwatch.StartNew();
        var analysis = ExperimentAnalyzer.AnalyzeMeans(
            [ArmData.ForValues("Control", yc, xc, isControl: true), ArmData.ForValues("Treatment", yt, xt)]);
        watch.Stop();

        analysis.Arms.Sum(a => a.N).ShouldBe(2 * n);
        watch.ElapsedMilliseconds.ShouldBeLessThan(1000);
    }

    // Same integer generator as cuped_arm() in reference/experiments_reference.py.
    private static (double[] Y, double[] X) CupedArm(int g, int n = 400)
    {
        var y = new double[n];
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = ((i * 37 + g * 11) % (50 + 3 * g)) + 10.0;
            y[i] = 0.8 * x[i] + ((i * 53 + g * 7) % 17) + 2.0 * g;
        }

        return (y, x);
    }
}
