using CampaignStudio.Analytics.Experiments;

namespace CampaignStudio.Analytics.Tests.Experiments;

// Reference values: reference/hillstrom_reference.py on /work/shared/data/hillstrom.csv
// (Debian python3-scipy 1.10.1, python3-statsmodels 0.13.5).
public class HillstromAnalysisTests
{
    private static readonly HillstromData Data = HillstromData.Instance;

    private static ExperimentAnalysis AnalyzeRate(Func<HillstromData.Row, bool> outcome) =>
        ExperimentAnalyzer.AnalyzeRates(
        [
            Rate(HillstromData.Control, outcome, isControl: true),
            Rate(HillstromData.Mens, outcome),
            Rate(HillstromData.Womens, outcome),
        ]);

    private static ArmData Rate(string segment, Func<HillstromData.Row, bool> outcome, bool isControl = false)
    {
        var rows = Data.InArm(segment).ToList();
        return ArmData.ForRate(segment, rows.Count, rows.Count(outcome), isControl);
    }

    [Fact]
    public void ArmsHaveTheKnownSizesAndNoSampleRatioMismatch()
    {
        var analysis = AnalyzeRate(r => r.Visit);

        analysis.Arms.Select(a => a.N).ShouldBe([21306L, 21307L, 21387L]);
        analysis.SampleRatio.PValue.ShouldMatch(0.9036929575604196);
        analysis.SampleRatio.Warning.ShouldBeFalse();
    }

    [Fact]
    public void VisitRatesAndLiftsMatchTheKnownFacts()
    {
        var arms = AnalyzeRate(r => r.Visit).Arms;

        // Known: control 10.62 %, men's 18.28 %, women's 15.14 %; men's lift about 7.7 points.
        arms[0].Mean.ShouldBe(0.1062, 0.00005);
        arms[1].Mean.ShouldBe(0.1828, 0.00005);
        arms[2].Mean.ShouldBe(0.1514, 0.00005);
        arms[1].VsControl!.AbsoluteLift.ShouldBe(0.077, 0.0005);
        arms[1].VsControl!.Verdict.ShouldBe(ArmVerdict.Winner);
        arms[2].VsControl!.Verdict.ShouldBe(ArmVerdict.Winner);
    }

    [Fact]
    public void VisitTestsMatchStatsmodels()
    {
        var arms = AnalyzeRate(r => r.Visit).Arms;
        var mens = arms[1].VsControl!;
        var womens = arms[2].VsControl!;

        mens.Statistic.ShouldMatch(22.48604082719282);
        mens.PValue.ShouldMatchRelatively(5.685165482802317e-112);
        mens.AdjustedPValue.ShouldMatchRelatively(1.1370330965604634e-111);
        mens.AbsoluteLiftCi.Lower.ShouldMatch(0.06995350121810838);
        mens.AbsoluteLiftCi.Upper.ShouldMatch(0.08322562608495411);
        womens.Statistic.ShouldMatch(13.949180655258505);
        womens.PValue.ShouldMatchRelatively(3.1824031593349214e-44);
        womens.AbsoluteLiftCi.Lower.ShouldMatch(0.03889382581264261);
        womens.AbsoluteLiftCi.Upper.ShouldMatch(0.05157238736146336);
    }

    [Fact]
    public void ConversionTestsMatchStatsmodels()
    {
        var arms = AnalyzeRate(r => r.Conversion).Arms;
        var mens = arms[1].VsControl!;
        var womens = arms[2].VsControl!;

        // Known: men's e-mail lifts conversion by about 0.7 points.
        mens.AbsoluteLift.ShouldBe(0.007, 0.0005);
        arms[0].Mean.ShouldMatch(0.005726086548390125);
        mens.Statistic.ShouldMatch(7.385114410925771);
        mens.PValue.ShouldMatchRelatively(1.5232235005955427e-13);
        mens.AdjustedPValue.ShouldMatchRelatively(3.0464470011910854e-13);
        mens.AbsoluteLiftCi.Lower.ShouldMatch(0.005000171380452312);
        mens.AbsoluteLiftCi.Upper.ShouldMatch(0.008609841658779076);
        womens.Statistic.ShouldMatch(3.77956095835785);
        womens.PValue.ShouldMatchRelatively(0.00015710512910668448);
        womens.AdjustedPValue.ShouldMatchRelatively(0.00015710512910668448);
    }

    [Fact]
    public void SpendWelchTestsMatchScipy()
    {
        var analysis = ExperimentAnalyzer.AnalyzeMeans(
        [
            Spend(HillstromData.Control, isControl: true),
            Spend(HillstromData.Mens),
            Spend(HillstromData.Womens),
        ]);
        var mens = analysis.Arms[1].VsControl!;
        var womens = analysis.Arms[2].VsControl!;

        mens.Statistic.ShouldMatch(5.300140358411668);
        mens.PValue.ShouldMatchRelatively(1.1638149682254859e-07);
        mens.AdjustedPValue.ShouldMatchRelatively(2.3276299364509717e-07);
        womens.Statistic.ShouldMatch(3.2563715760253915);
        womens.PValue.ShouldMatchRelatively(0.0011293971023632519);
    }

    [Fact]
    public void SpendWithPurchaseHistoryAsCupedCovariateMatchesNumpy()
    {
        var analysis = ExperimentAnalyzer.AnalyzeMeans(
            [Spend(HillstromData.Control, isControl: true, withHistory: true), Spend(HillstromData.Mens, withHistory: true)]);

        analysis.Cuped!.Theta.ShouldMatch(0.0012228965198243966);
        analysis.Arms[1].VsControl!.Statistic.ShouldMatch(5.284841624064935);
        analysis.Arms[1].VsControl!.PValue.ShouldMatchRelatively(1.2653144672519386e-07);
    }

    [Theory]
    [InlineData("visit", 0.004242116532274909)]
    [InlineData("conversion", 0.0008602203644439976)]
    [InlineData("spend", 0.0004692802251615724)]
    public void HistoryRemovesLessThanHalfAPercentOfTheVarianceSoCupedIsNotTheDefault(string metric, double reduction)
    {
        ArmData Arm(string segment, bool isControl = false)
        {
            var rows = Data.InArm(segment).ToList();
            var values = rows.Select(r => metric switch { "visit" => r.Visit ? 1.0 : 0, "conversion" => r.Conversion ? 1.0 : 0, _ => r.Spend }).ToArray();
            return ArmData.ForValues(segment, values, rows.Select(r => r.History).ToArray(), isControl);
        }

        var analysis = ExperimentAnalyzer.AnalyzeMeans([Arm(HillstromData.Control, isControl: true), Arm(HillstromData.Mens), Arm(HillstromData.Womens)]);

        analysis.Cuped!.VarianceReduction.ShouldMatch(reduction);
        analysis.Cuped.VarianceReduction.ShouldBeLessThan(0.005);
        CupedRule.IsWorthIt(analysis.Cuped).ShouldBeFalse();
    }

    private static ArmData Spend(string segment, bool isControl = false, bool withHistory = false)
    {
        var rows = Data.InArm(segment).ToList();
        var spend = rows.Select(r => r.Spend).ToArray();
        return withHistory
            ? ArmData.ForValues(segment, spend, rows.Select(r => r.History).ToArray(), isControl)
            : ArmData.ForValues(segment, spend, isControl: isControl);
    }
}
