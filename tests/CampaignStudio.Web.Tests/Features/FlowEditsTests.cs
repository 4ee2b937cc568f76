using CampaignStudio.Domain.Flows;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The editor's tree edits keep a flow valid by construction: splits stay last, nothing follows an exit.</summary>
public sealed class FlowEditsTests
{
    private static readonly FlowDefinition Three = new()
    {
        Trigger = new EventTrigger(new EventMatch("signed_up")),
        Steps = [new SendEmailStep("mail-1", 1), new WaitStep("wait", 60), new SendEmailStep("mail-2", 2)],
    };

    [Fact]
    public void ASplitInsertedMidListTakesTheStepsAfterItIntoItsFirstBranch()
    {
        var split = new WaitForEventStep("wait-order", new EventMatch(EventMatch.Purchase), 60);

        var edited = FlowEdits.InsertAfter(Three, "mail-1", split);

        edited.Steps.Select(s => s.Id).ShouldBe(["mail-1", "wait-order"]);
        var inserted = edited.Steps[1].ShouldBeOfType<WaitForEventStep>();
        inserted.Happened.Select(s => s.Id).ShouldBe(["wait", "mail-2"]);
        inserted.TimedOut.ShouldBeEmpty();
        FlowDefinitionJson.Validate(edited).ShouldBeNull();
        Three.Steps.Count.ShouldBe(3, "the definition passed in is not changed");
    }

    [Fact]
    public void NothingGoesAfterASplitOrAnExitAndASplitDoesNotMoveUp()
    {
        var withSplit = FlowEdits.InsertAfter(Three, "wait", new ConditionSplitStep("split", new Domain.Segments.Rules.SegmentRule()));

        Should.Throw<InvalidOperationException>(() => FlowEdits.InsertAfter(withSplit, "split", new WaitStep("late", 5)));
        FlowEdits.CanMove(withSplit, "split", -1).ShouldBeFalse();
        FlowEdits.CanMove(withSplit, "wait", 1).ShouldBeFalse("the split would no longer be last");
        FlowEdits.CanMove(withSplit, "wait", -1).ShouldBeTrue();
        FlowEdits.Move(withSplit, "wait", -1).Steps.Select(s => s.Id).ShouldBe(["wait", "mail-1", "split"]);
        Should.Throw<InvalidOperationException>(() => FlowEdits.Insert(Three, FlowPlace.Top, 1, new ExitStep("out")));
        FlowEdits.Insert(Three, FlowPlace.Top, 3, new ExitStep("out")).Steps[^1].ShouldBeOfType<ExitStep>();
    }

    [Fact]
    public void StepsAreAddedRemovedAndReplacedInsideBranchesAndNewIdsAreFree()
    {
        var withSplit = FlowEdits.InsertAfter(Three, "mail-2", new RandomSplitStep("arms", [new FlowArm("Mail", 1), new FlowArm("No message", 1)]));

        var edited = FlowEdits.Insert(withSplit, new FlowPlace("arms", "Mail"), 0, new SendEmailStep(FlowEdits.NewStepId(withSplit), 3));
        edited = FlowEdits.Replace(edited, new WaitStep("wait", 120));
        var arms = edited.Steps[^1].ShouldBeOfType<RandomSplitStep>().Arms;

        FlowEdits.NewStepId(withSplit).ShouldBe("step-5");
        arms[0].Steps.Single().Id.ShouldBe("step-5");
        arms[1].Steps.ShouldBeEmpty();
        new FlowMap(edited).Step("wait").ShouldBe(new WaitStep("wait", 120));
        FlowEdits.PlaceOf(edited, "step-5")!.Value.Place.ShouldBe(new FlowPlace("arms", "Mail"));
        FlowEdits.Remove(edited, "arms").Steps.Select(s => s.Id).ShouldBe(["mail-1", "wait", "mail-2"]);
    }
}
