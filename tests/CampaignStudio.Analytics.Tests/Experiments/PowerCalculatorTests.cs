using CampaignStudio.Analytics.Experiments;

namespace CampaignStudio.Analytics.Tests.Experiments;

// Reference values: reference/power_reference.py (classic two-proportion formula evaluated with scipy.stats.norm).
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
    public void RejectsImpossiblePlans()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0, 0.1)));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.1, 0)));
        Should.Throw<ArgumentOutOfRangeException>(() => PowerCalculator.ForConversionRate(new PowerInput(0.95, 0.1, EffectKind.Absolute)));
    }
}
