using Bunit;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Uplift;
using CampaignStudio.Web.Tests.Support;

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
        var report = FairnessCheck.Evaluate(["f", "f", "f", "f", "m", "m", "m", "m"], [true, true, false, false, true, false, false, false], [0.1, 0.09, 0.01, 0.0, 0.08, 0.02, 0.01, 0.0]);

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
        var report = FairnessCheck.Evaluate(["f", "f", "m", "m"], [true, false, true, false], [0.1, 0.0, 0.1, 0.0]);

        var panel = Render<FairnessPanel>(p => p.Add(c => c.Report, report));

        panel.FindAll("[data-testid=fairness-warning]").ShouldBeEmpty();
        panel.Markup.ShouldContain("Disparate-impact ratio 1.00");
    }
}
