using CampaignStudio.Analytics.Experiments;

namespace CampaignStudio.Analytics.Tests.Experiments;

// Reference values: reference/power_reference.py (classic two-proportion formula evaluated with scipy.stats.norm;
// statsmodels NormalIndPower with ratio for comparison).
public class PowerCalculatorTests
{
    [Fact]
    public void TenPercentRelativeLiftOnTenPercentBaselineMatchesTheClassicFormula()
    {
        var plan = PowerCalculator.ForConversionRate(new PowerInput(0.10, 0.10, EffectKind.Relative));

        PowerCalculator.RequiredPerArm(0.10, 0.11, 0.05, 0.8).ShouldMatch(14750.790469044954);
        plan.PerArm.ShouldBe(14751);
        plan.Total.ShouldBe(2 * 14751);
        plan.TargetRate.ShouldMatch(0.11);
        plan.AdjustedAlpha.ShouldBe(0.05);
        // statsmodels NormalIndPower on Cohen's h gives 14744.1: the two approaches agree within 0.1 %.
        ((double)plan.PerArm).ShouldBe(14744.104836925611, 14744.1 * 0.005);
    }

    [Fact]
    public void ThreeArmsUseBonferroniAlphaPerComparison()
    {
        var plan = PowerCalculator.ForConversionRate(
            new PowerInput(0.05, 0.01, EffectKind.Absolute, Alpha: 0.05, Power: 0.9, Arms: 3));

        plan.AdjustedAlpha.ShouldBe(0.025);
        PowerCalculator.RequiredPerArm(0.05, 0.06, 0.025, 0.9).ShouldMatch(12899.192029665826);
        plan.PerArm.ShouldBe(12900);
        plan.Total.ShouldBe(3 * 12900);
    }

    [Fact]
    public void PowerForAGivenSampleMatchesTheInvertedFormula()
    {
        PowerCalculator.PowerForSampleSize(0.10, 0.11, 0.05, 10000).ShouldMatch(0.6355979977033884);
        PowerCalculator.PowerForSampleSize(0.05, 0.06, 0.025, 5000).ShouldMatch(0.4807616831368257);
    }

    [Fact]
    public void SaysHowManyDaysAtTheDailyVolume()
    {
        var plan = PowerCalculator.ForConversionRate(new PowerInput(0.10, 0.10, EligiblePerDay: 1000));

        plan.Days.ShouldBe(30); // 29,502 customers at 1,000 a day
        plan.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void WarnsWhenTheAudienceIsTooSmall()
    {
        var plan = PowerCalculator.ForConversionRate(new PowerInput(0.10, 0.10, AvailableAudience: 20000));

        plan.AudienceTooSmall.ShouldBeTrue();
        plan.PowerWithAvailableAudience!.Value.ShouldMatch(0.6355979977033884);
        plan.Warnings.ShouldContain(w => w.Contains("audience is too small"));
    }

    [Fact]
    public void DoesNotWarnWhenTheAudienceIsLargeEnough()
    {
        var plan = PowerCalculator.ForConversionRate(new PowerInput(0.10, 0.10, AvailableAudience: 64000));

        plan.AudienceTooSmall.ShouldBeFalse();
        plan.PowerWithAvailableAudience!.Value.ShouldBeGreaterThan(0.8);
    }

    [Fact]
    public void UnequalArmsUseTheClassicFormulaWithTheRatioAndAgreeWithStatsmodels()
    {
        // Control n, treatment r·n: reference/power_reference.py (ratio2, ratio0.5).
        PowerCalculator.RequiredControlArm(0.10, 0.11, 0.05, 0.8, 2).ShouldMatch(11124.279187859469);
        PowerCalculator.RequiredControlArm(0.03, 0.033, 0.05, 0.8, 0.5).ShouldMatch(79321.76389885478);
        PowerCalculator.PowerForSampleSize(0.10, 0.11, 0.05, 10000, 2).ShouldMatch(0.7564198438423462);
        PowerCalculator.PowerForSampleSize(0.03, 0.033, 0.05, 10000, 0.5).ShouldMatch(0.17207342063831887);

        // statsmodels NormalIndPower(ratio) on Cohen's h: 11,058 and 79,773 customers, power 0.759 and 0.168 — within 1.5 %.
        PowerCalculator.RequiredControlArm(0.10, 0.11, 0.05, 0.8, 2).ShouldBe(11058.078627640636, 11058.1 * 0.015);
        PowerCalculator.RequiredControlArm(0.03, 0.033, 0.05, 0.8, 0.5).ShouldBe(79772.6845760359, 79772.7 * 0.015);
        PowerCalculator.PowerForSampleSize(0.10, 0.11, 0.05, 10000, 2).ShouldBe(0.7593525696831729, 0.005);
        PowerCalculator.PowerForSampleSize(0.03, 0.033, 0.05, 10000, 0.5).ShouldBe(0.16809016074322447, 0.005);

        // Equal arms are the special case r = 1.
        PowerCalculator.RequiredControlArm(0.10, 0.11, 0.05, 0.8, 1).ShouldMatch(14750.790469044954);
    }

    [Fact]
    public void ADesignsWeightsAndHoldoutDecideTheArmSizesAndThePowerOfTheAvailableAudience()
    {
        // Control (weight 1) and an e-mail arm (weight 2), a 10 % long-term holdout: reference/power_reference.py (design.*).
        var plan = PowerCalculator.ForConversionRate(new PowerInput(0.03, 0.10, Weights: [1, 2], HoldoutShare: 0.1, AvailableAudience: 10_000));

        plan.Comparisons.ShouldBe(2); // the e-mail arm and the holdout are both compared with control
        plan.AdjustedAlpha.ShouldBe(0.025);
        plan.ArmSizes.ShouldBe([48_663L, 97_326L]);
        plan.Holdout.ShouldBe(16_222);
        plan.Total.ShouldBe(162_211);
        plan.PerArm.ShouldBe(97_326);
        plan.PowerWithAvailableAudience!.Value.ShouldMatch(0.0665423025947789);
        plan.AudienceTooSmall.ShouldBeTrue();
        plan.Warnings.ShouldContain(w => w.Contains("162,211") && w.Contains("holdout"));

        PowerCalculator.ForConversionRate(new PowerInput(0.03, 0.10, Weights: [1, 2], HoldoutShare: 0.1, AvailableAudience: 2_000))
            .PowerWithAvailableAudience!.Value.ShouldMatch(0.02680520809432512);
    }

    [Fact]
    public void EqualWeightsGiveTheSamePlanAsAnArmCount()
    {
        var byCount = PowerCalculator.ForConversionRate(new PowerInput(0.05, 0.01, EffectKind.Absolute, Power: 0.9, Arms: 3, AvailableAudience: 30_000));
        var byWeights = PowerCalculator.ForConversionRate(new PowerInput(0.05, 0.01, EffectKind.Absolute, Power: 0.9, Weights: [2, 2, 2], AvailableAudience: 30_000));

        byWeights.PerArm.ShouldBe(byCount.PerArm);
        byWeights.Total.ShouldBe(byCount.Total);
        byWeights.ArmSizes.ShouldBe([12_900L, 12_900L, 12_900L]);
        byWeights.PowerWithAvailableAudience!.Value.ShouldMatch(byCount.PowerWithAvailableAudience!.Value);
    }

    [Fact]
    public void RejectsImpossiblePlans()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0, 0.1)));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.1, 0)));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.95, 0.1, EffectKind.Absolute)));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.1, 0.1, Weights: [1, 0])));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.1, 0.1, HoldoutShare: 0.6)));
    }
}
