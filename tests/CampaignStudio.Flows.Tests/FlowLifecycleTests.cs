using CampaignStudio.Domain.Flows;

namespace CampaignStudio.Flows.Tests;

/// <summary>The flow state machine as a table: which moves are allowed from where, and the sentence for each refusal.</summary>
public sealed class FlowLifecycleTests
{
    [Theory]
    [InlineData(FlowStatus.Draft, FlowStatus.Live, true)]
    [InlineData(FlowStatus.Live, FlowStatus.Live, true)] // a new version of a live flow
    [InlineData(FlowStatus.Live, FlowStatus.Paused, true)]
    [InlineData(FlowStatus.Paused, FlowStatus.Live, true)]
    [InlineData(FlowStatus.Live, FlowStatus.Archived, true)]
    [InlineData(FlowStatus.Paused, FlowStatus.Archived, true)]
    [InlineData(FlowStatus.Draft, FlowStatus.Paused, false)]
    [InlineData(FlowStatus.Draft, FlowStatus.Archived, false)]
    [InlineData(FlowStatus.Archived, FlowStatus.Live, false)]
    [InlineData(FlowStatus.Archived, FlowStatus.Paused, false)]
    [InlineData(FlowStatus.Live, FlowStatus.Draft, false)]
    public void TheTableAllowsExactlyTheseMoves(FlowStatus from, FlowStatus to, bool allowed) => FlowLifecycle.Allows(from, to).ShouldBe(allowed);

    [Fact]
    public void EveryRefusalIsASentenceThatSaysWhatToDoInstead()
    {
        FlowLifecycle.Publish.RefusalFrom(FlowStatus.Paused).ShouldBe("The flow is paused: resume it first, then publish the new version.");
        FlowLifecycle.Publish.RefusalFrom(FlowStatus.Archived).ShouldNotBeNull().ShouldContain("start a new flow");
        FlowLifecycle.Pause.RefusalFrom(FlowStatus.Draft).ShouldBe("Only a live flow can be paused.");
        FlowLifecycle.Resume.RefusalFrom(FlowStatus.Live).ShouldBe("Only a paused flow can be resumed.");
        FlowLifecycle.Archive.RefusalFrom(FlowStatus.Draft).ShouldBe("This flow was never live: delete it instead.");
        FlowLifecycle.Archive.RefusalFrom(FlowStatus.Archived).ShouldBe("The flow is already archived.");
        FlowLifecycle.Publish.RefusalFrom(FlowStatus.Live).ShouldBeNull();

        FlowLifecycle.EditRefusal(FlowStatus.Archived).ShouldNotBeNull();
        FlowLifecycle.EditRefusal(FlowStatus.Paused).ShouldBeNull();
        FlowLifecycle.DeleteRefusal(new Flow { Status = FlowStatus.Draft }).ShouldBeNull();
        FlowLifecycle.DeleteRefusal(new Flow { Status = FlowStatus.Paused, LiveVersionId = 3 }).ShouldNotBeNull().ShouldContain("archive it instead");
    }
}
