using Bunit;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

/// <summary>The experiment and campaign pages state a rollout's plan while the test runs, and the decision with its reason after.</summary>
public sealed class RolloutSummaryTests : MudTestContext
{
    private static Experiment Rollout() => new()
    {
        Id = 7, RolloutTestShare = 0.2, RolloutWait = TimeSpan.FromHours(24), RolloutConfidence = 0.95,
        StartedAt = new DateTime(2026, 6, 15, 9, 0, 0, DateTimeKind.Utc),
        Variants = [new Variant { Id = 1, Name = "Plain", IsControl = true }, new Variant { Id = 2, Name = "20 % off" }],
    };

    [Fact]
    public void WhileTheTestRunsThePanelSaysWhenAndHowTheRestIsDecided()
    {
        var panel = Render<RolloutSummary>(p => p.Add(c => c.State, ExperimentService.RolloutOf(Rollout())));

        panel.Find("[data-testid=rollout-decision]").TextContent.ShouldBe(
            "Testing on 20 % of the audience. On 2026-06-16 09:00 UTC the rest receives the arm with the highest chance to be best if it beats the control with 95 % confidence, else “Plain”.");
        panel.FindAll("[data-testid=rollout-winner]").ShouldBeEmpty();
    }

    [Fact]
    public void AfterTheDecisionThePanelNamesTheArmTheRestReceivedAndWhy()
    {
        var experiment = Rollout();
        experiment.RolloutDecidedAt = new DateTime(2026, 6, 16, 9, 1, 0, DateTimeKind.Utc);
        experiment.RolloutWinnerVariantId = 1;
        experiment.RolloutDecision = "No clear winner: “20 % off” has the highest chance to be best (71.0 %) but does not beat the control with 95.0 % confidence.";

        var panel = Render<RolloutSummary>(p => p.Add(c => c.State, ExperimentService.RolloutOf(experiment)));

        panel.Find("[data-testid=rollout-winner]").TextContent.ShouldBe("The rest received “Plain” (2026-06-16 09:01 UTC).");
        panel.Find("[data-testid=rollout-decision]").TextContent.ShouldBe(experiment.RolloutDecision);
    }

    [Fact]
    public void WithoutARolloutThereIsNoPanel()
    {
        var panel = Render<RolloutSummary>(p => p.Add(c => c.State, ExperimentService.RolloutOf(new Experiment())));

        panel.Markup.Trim().ShouldBeEmpty();
    }
}
