using CampaignStudio.Analytics.Tests.Experiments;
using CampaignStudio.Analytics.Uplift;

namespace CampaignStudio.Analytics.Tests.Uplift;

// Reference values: reference/uplift_reference.py (scikit-uplift's curve definitions re-implemented in numpy).
public class UpliftEvaluationTests
{
    // Six customers, best score first: T1 C0 T1 C1 T0 C0.
    private static readonly double[] TinyScores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    private static readonly bool[] TinyTreated = [true, false, true, false, true, false];
    private static readonly double[] TinyOutcome = [1, 0, 1, 1, 0, 0];

    [Fact]
    public void QiniAndUpliftCurvesOfATinyExampleMatchHandComputation()
    {
        var curves = UpliftEvaluation.Curves(TinyScores, TinyTreated, TinyOutcome);

        // Qini(t) = Y_T − Y_C·N_T/N_C: t=4 → 2 − 1·2/2 = 1; t=5 → 2 − 1·3/2 = 0.5; t=6 → 2 − 1·3/3 = 1.
        curves.Qini.Select(p => p.Value).ShouldBe([0.0, 1.0, 1.0, 2.0, 1.0, 0.5, 1.0]);
        // Uplift(t) = (Y_T/N_T − Y_C/N_C)·t: t=5 → (2/3 − 1/2)·5 = 5/6.
        curves.Uplift.Select(p => p.Value).ToArray().ShouldBe([0.0, 1.0, 2.0, 3.0, 2.0, 5.0 / 6, 2.0], 1e-12);
        curves.Qini.Select(p => p.Targeted).ShouldBe([0, 1, 2, 3, 4, 5, 6]);
        curves.Qini[3].Random.ShouldBe(0.5); // end value 1 × 3/6
    }

    [Fact]
    public void AreasAndQiniCoefficientOfATinyExampleMatchHandComputation()
    {
        var curves = UpliftEvaluation.Curves(TinyScores, TinyTreated, TinyOutcome);

        // Trapezoids of Qini over x = t/6: (0.5+1+1.5+1.5+0.75+0.75)/6 = 1, minus the random line 1/2.
        curves.QiniArea.ShouldMatch(0.5);
        // Perfect ranking (T1,T1 | C0,T0,C0 | C1): points (0,0) (2/6,2) (5/6,2) (1,1), area 9.5/6, minus 1/2 = 13/12.
        curves.QiniCoefficient.ShouldMatch(6.0 / 13);
        curves.QiniCoefficient.ShouldMatch(0.46153846153846156);
        // (0.5+1.5+2.5+2.5+17/12+17/12)/6 = 59/36.
        curves.Auuc.ShouldMatch(59.0 / 36);
        curves.Auuc.ShouldMatch(1.6388888888888886);
        curves.AuucRandom.ShouldMatch(1.0);
    }

    [Fact]
    public void PerfectRankingHasQiniCoefficientOne()
    {
        var perfect = TinyOutcome.Select((y, i) => TinyTreated[i] ? y : -y).ToArray();

        UpliftEvaluation.Curves(perfect, TinyTreated, TinyOutcome).QiniCoefficient.ShouldMatch(1.0);
    }

    [Fact]
    public void TiedScoresProduceOnePointPerDistinctScore()
    {
        double[] outcome = [5.0, 0.0, 2.5, 0.0, 0.0, 7.0, 1.0, 0.0, 3.0, 0.0];
        double[] scores = [0.3, 0.3, 0.1, 0.5, 0.5, 0.5, -0.2, 0.1, 0.0, 0.0];
        bool[] treated = [true, false, true, true, false, true, false, false, true, false];

        var curves = UpliftEvaluation.Curves(scores, treated, outcome);

        curves.Qini.Select(p => p.Value).ToArray().ShouldBe([0.0, 7.0, 12.0, 14.5, 17.5, 16.5], 1e-12);
        curves.Uplift.Select(p => p.Value).ToArray().ShouldBe([0.0, 10.5, 20.0, 25.375, 31.5, 33.0], 1e-12);
        curves.Auuc.ShouldMatch(18.075);
        curves.AuucRandom.ShouldMatch(16.5);
        curves.QiniArea.ShouldMatch(2.25);
        curves.QiniCoefficient.ShouldMatch(0.3474903474903475);
    }

    [Fact]
    public void LongCurvesAreDownsampledButKeepBothEnds()
    {
        var data = SyntheticUplift.Create(5000, seed: 3);

        var twoValued = UpliftEvaluation.Curves(data.TrueEffect, data.Dataset.Treated, data.Dataset.Outcome);
        var noisy = UpliftEvaluation.Curves(Enumerable.Range(0, 5000).Select(i => (double)i).ToArray(), data.Dataset.Treated, data.Dataset.Outcome);

        twoValued.Qini.Count.ShouldBe(3); // origin, end of the 0.15 tie, end of the 0 tie
        noisy.Qini.Count.ShouldBe(200);
        noisy.Uplift.Count.ShouldBe(200);
        noisy.Qini[0].Targeted.ShouldBe(0);
        noisy.Qini[^1].Targeted.ShouldBe(5000);
        noisy.Qini[^1].Value.ShouldBe(noisy.Qini[^1].Random, 1e-9);
    }

    [Fact]
    public void DecilesSplitByPredictedUpliftWithCounts()
    {
        var data = SyntheticUplift.Create(4000, seed: 5);

        var deciles = UpliftEvaluation.Deciles(data.TrueEffect, data.Dataset.Treated, data.Dataset.Outcome);

        deciles.Count.ShouldBe(10);
        deciles.Sum(d => d.N).ShouldBe(4000);
        deciles.ShouldAllBe(d => d.N == 400 && d.TreatedN + d.ControlN == 400);
        deciles[0].Group.ShouldBe("1");
        // The true effect is 0.15 in the top half and 0 in the bottom half.
        deciles.Take(5).Average(d => d.Effect).ShouldBe(0.15, 0.04);
        deciles.Skip(5).Average(d => d.Effect).ShouldBe(0.0, 0.04);
        deciles[0].MeanPredictedUplift.ShouldBe(0.15, 1e-12);
        deciles[9].MeanPredictedUplift.ShouldBe(0.0);
    }

    [Fact]
    public void GroupEffectCiIsTheTwoProportionWaldInterval()
    {
        // Group "a": treated 3/4 converted, control 1/4. Wald: 0.5 ± 1.959964·√(0.1875/4 + 0.1875/4).
        string[] groups = ["a", "a", "a", "a", "a", "a", "a", "a", "b", "b"];
        bool[] treated = [true, true, true, true, false, false, false, false, true, false];
        double[] outcome = [1, 1, 1, 0, 1, 0, 0, 0, 1, 1];

        var effects = UpliftEvaluation.EffectByGroup(groups, treated, outcome);

        effects.Select(e => e.Group).ShouldBe(["a", "b"]);
        var a = effects[0];
        a.Effect.ShouldMatch(0.5);
        var half = 1.959963984540054 * Math.Sqrt(0.1875 / 4 + 0.1875 / 4);
        a.EffectCi.Lower.ShouldMatch(0.5 - half);
        a.EffectCi.Upper.ShouldMatch(0.5 + half);
        effects[1].Effect.ShouldBe(0.0);
        double.IsNaN(a.MeanPredictedUplift).ShouldBeTrue();
    }

    [Fact]
    public void TargetingEstimatesIncrementalConversionsOfTheTopShare()
    {
        double[] scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        bool[] treated = [true, false, true, false, true, false, true, false];
        double[] outcome = [1, 0, 1, 0, 0, 0, 1, 1];

        var top = UpliftEvaluation.Targeting(scores, treated, outcome, 0.5);
        var comparison = UpliftEvaluation.CompareTargeting(scores, scores.Reverse().ToArray(), treated, outcome, 0.5);

        top.Targeted.ShouldBe(4);
        top.UpliftPerCustomer.ShouldBe(1.0); // treated 2/2, control 0/2
        top.IncrementalConversions.ShouldBe(4.0);
        comparison.Everyone.UpliftPerCustomer.ShouldBe(0.5); // treated 3/4, control 1/4
        comparison.Random.IncrementalConversions.ShouldBe(2.0);
        comparison.ByPropensity.UpliftPerCustomer.ShouldBe(0.0); // bottom four: treated 1/2, control 1/2
    }

    [Fact]
    public void FairnessFlagsSelectionRatesBelowFourFifths()
    {
        string[] groups = ["f", "f", "f", "f", "m", "m", "m", "m", "m"];
        bool[] selected = [true, false, false, false, true, true, false, false, false];
        double[] uplift = [0.1, 0.0, 0.0, 0.0, 0.2, 0.2, 0.0, 0.0, 0.0];

        var report = FairnessCheck.Evaluate(groups, selected, uplift, minGroupSize: 1);

        report.Groups.Select(g => g.SelectionRate).ShouldBe([0.25, 0.4]);
        report.Groups[1].MeanPredictedUplift.ShouldBe(0.08, 1e-12);
        report.DisparateImpactRatio.ShouldBe(0.625, 1e-12);
        report.Flagged.ShouldBeTrue();
        FairnessCheck.Evaluate(["f", "f", "m", "m"], [true, false, true, false], [0, 0, 0, 0], minGroupSize: 1).Flagged.ShouldBeFalse();
    }
}
