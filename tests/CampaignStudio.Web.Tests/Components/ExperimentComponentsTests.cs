using Bunit;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Uplift;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Components;

public sealed class ExperimentComponentsTests : MudTestContext
{
    [Fact]
    public void ThePowerPanelSaysHowManyCustomersAndWarnsWhenTheAudienceIsTooSmall()
    {
        var form = new PowerForm { BaselineRate = 0.03, MinimumDetectableEffect = 0.1, Arms = 2, AvailableAudience = 200_000 };

        var panel = Render<PowerPanel>(p => p.Add(c => c.Form, form));

        panel.Find("[data-testid=power-per-arm]").TextContent.ShouldBe(53_211.ToString("N0"));
        panel.Find("[data-testid=power-total]").TextContent.ShouldBe(106_422.ToString("N0"));
        panel.FindAll("[data-testid=power-warning]").ShouldBeEmpty();

        // Same plan, a smaller audience: the panel warns, naming both numbers.
        form.AvailableAudience = 40_000;
        panel.Render();

        panel.WaitForAssertion(() => panel.Find("[data-testid=power-warning]").TextContent.ShouldContain("The audience is too small"));
        panel.Find("[data-testid=power-warning]").TextContent.ShouldContain(40_000.ToString("N0"));
    }

    [Fact]
    public void ThePowerPanelSizesEachArmByTheDesignsWeightsAndCountsTheHoldout()
    {
        var form = new PowerForm { BaselineRate = 0.03, MinimumDetectableEffect = 0.1, Weights = [1, 2], ArmNames = ["No message (control)", "E-mail"], HoldoutShare = 0.1, AvailableAudience = 10_000 };

        var panel = Render<PowerPanel>(p => p.Add(c => c.Form, form));

        // reference/power_reference.py (design.*): 48,663 and 97,326 in the arms, 16,222 held out, 6.7 % power with 10,000.
        var sizes = panel.Find("[data-testid=power-arm-sizes]").TextContent;
        sizes.ShouldContain($"No message (control) {48_663:N0}");
        sizes.ShouldContain($"E-mail {97_326:N0}");
        sizes.ShouldContain($"holdout {16_222:N0}");
        panel.Find("[data-testid=power-total]").TextContent.ShouldBe(162_211.ToString("N0"));
        panel.Find("[data-testid=power-reachable]").TextContent.ShouldContain(0.0665423025947789.ToString("P0"));
        panel.FindAll("[data-testid=power-arms]").ShouldBeEmpty(); // the design's arms decide, not a count
    }

    [Fact]
    public void ThePowerPanelExplainsImpossibleInputsInsteadOfFailing()
    {
        var panel = Render<PowerPanel>(p => p.Add(c => c.Form, new PowerForm { BaselineRate = 0.95, MinimumDetectableEffect = 0.1 }));

        panel.Find("[data-testid=power-error]").TextContent.ShouldBe("Baseline plus effect must stay below 100 %.");
        panel.FindAll("[data-testid=power-per-arm]").ShouldBeEmpty();
    }

    [Fact]
    public void TheFairnessPanelWarnsBelowFourFifthsAndListsEachGroup()
    {
        // Women selected 2 of 4, men 1 of 4: ratio 0.5.
        var report = FairnessCheck.Evaluate(["f", "f", "f", "f", "m", "m", "m", "m"], [true, true, false, false, true, false, false, false], [0.1, 0.09, 0.01, 0.0, 0.08, 0.02, 0.01, 0.0], minGroupSize: 1);

        UsePrivacyThreshold(1);
        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, report).Add(c => c.Attribute, "gender"));

        panel.Find("[data-testid=fairness-warning]").TextContent.ShouldContain("50");
        var rows = panel.FindAll("tbody tr");
        rows.Count.ShouldBe(2);
        rows[0].TextContent.ShouldContain("50.0");
        rows[1].TextContent.ShouldContain("25.0");
    }

    [Fact]
    public void TheFairnessPanelShowsNoWarningWhenGroupsAreSelectedAlike()
    {
        var report = FairnessCheck.Evaluate(["f", "f", "m", "m"], [true, false, true, false], [0.1, 0.0, 0.1, 0.0], minGroupSize: 1);
        UsePrivacyThreshold(1);

        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, report));

        panel.FindAll("[data-testid=fairness-warning]").ShouldBeEmpty();
        panel.Markup.ShouldContain("Disparate-impact ratio 1.00");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(5)]
    public void TheFairnessPanelShowsAGroupSmallerThanKAsLessThanKWithoutItsCountOrRate(int k)
    {
        // 4 customers in Oslo (3 selected), 40 in Berlin (20 selected), 400 in Paris (396 selected: only 4 left out).
        string[] groups = [.. Enumerable.Repeat("Oslo", 4), .. Enumerable.Repeat("Berlin", 40), .. Enumerable.Repeat("Paris", 400)];
        bool[] selected = [.. Enumerable.Range(0, 4).Select(i => i < 3), .. Enumerable.Range(0, 40).Select(i => i < 20), .. Enumerable.Range(0, 400).Select(i => i < 396)];
        var report = FairnessCheck.Evaluate(groups, selected, [.. groups.Select(_ => double.NaN)], minGroupSize: k);
        UsePrivacyThreshold(k);

        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, report).Add(c => c.Attribute, "City"));

        var rows = panel.FindAll("tbody tr").ToDictionary(r => r.Children[0].TextContent, r => r.Children.Select(c => c.TextContent.Trim()).ToList());
        rows["Oslo"].ShouldBe(["Oslo", $"< {k}", "–", "–", $"not compared: fewer than {k} customers"]);
        rows["Berlin"].ShouldBe(["Berlin", "40", "20", 0.5.ToString("P1"), "compared"]);
        rows["Paris"].ShouldBe(["Paris", "400", $"> {400 - k}", "–", "compared"]);
        panel.Markup.ShouldNotContain("396");
        panel.Markup.ShouldNotContain(0.75.ToString("P1"));
        panel.Markup.ShouldContain($"fewer than {k} customers");
    }

    [Fact]
    public void TheFairnessPanelListsUnknownAndSmallGroupsButSaysTheyAreNotCompared()
    {
        var report = FairnessCheck.FromGroups([
            new GroupSelection("Berlin", 200, 100, 0.5, double.NaN), new GroupSelection("Paris", 100, 55, 0.55, double.NaN),
            new GroupSelection(FairnessCheck.NotGiven, 250, 0, 0, double.NaN), new GroupSelection("Oslo", 3, 0, 0, double.NaN)], minGroupSize: 10);
        UsePrivacyThreshold(10);

        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, report).Add(c => c.Attribute, "City"));

        panel.FindAll("[data-testid=fairness-warning]").ShouldBeEmpty();
        var rows = panel.FindAll("tbody tr").ToDictionary(r => r.Children[0].TextContent.Trim(), r => r.TextContent);
        rows.Keys.ShouldBe(["(not given)", "Berlin", "Oslo", "Paris"], ignoreOrder: true);
        rows["(not given)"].ShouldContain("not compared");
        rows["(not given)"].ShouldContain(0.0.ToString("P1")); // shown, with its rate
        rows["Oslo"].ShouldContain("not compared");
        rows["Berlin"].ShouldNotContain("not compared");
        var note = panel.Find("[data-testid=fairness-excluded-note]").TextContent;
        note.ShouldContain("(not given)");
        note.ShouldContain("fewer than 10 customers");
        note.ShouldContain("four-fifths");
    }

    [Fact]
    public void TheFairnessPanelShowsEveryGroupWhenKIsLowered()
    {
        string[] groups = [.. Enumerable.Repeat("Oslo", 4), .. Enumerable.Repeat("Berlin", 40)];
        bool[] selected = [.. Enumerable.Range(0, 4).Select(i => i < 3), .. Enumerable.Range(0, 40).Select(i => i < 20)];
        UsePrivacyThreshold(2);

        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, FairnessCheck.Evaluate(groups, selected, [.. groups.Select(_ => double.NaN)], minGroupSize: 2)));

        panel.FindAll("tbody tr")[0].TextContent.ShouldContain("4");
        panel.Markup.ShouldNotContain("< 2");
    }

    private void UsePrivacyThreshold(int k) => Services.AddSingleton<CampaignStudio.Web.Features.Privacy.PrivacySettingsService>(new FixedPrivacySettings(k));
}
