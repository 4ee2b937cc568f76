using CampaignStudio.Domain.Campaigns;

namespace CampaignStudio.Data.Tests.Campaigns;

/// <summary>The campaign state machine: every pair of statuses, allowed or refused, written out here once more by hand.</summary>
public sealed class CampaignLifecycleTests
{
    private static readonly HashSet<(CampaignStatus From, CampaignStatus To)> Allowed =
    [
        (CampaignStatus.Draft, CampaignStatus.Scheduled),
        (CampaignStatus.Draft, CampaignStatus.Cancelled),
        (CampaignStatus.Scheduled, CampaignStatus.Sending),
        (CampaignStatus.Scheduled, CampaignStatus.AwaitingConfirmation),
        (CampaignStatus.Scheduled, CampaignStatus.Cancelled),
        (CampaignStatus.AwaitingConfirmation, CampaignStatus.Scheduled),
        (CampaignStatus.AwaitingConfirmation, CampaignStatus.Cancelled),
        (CampaignStatus.Sending, CampaignStatus.Paused),
        (CampaignStatus.Sending, CampaignStatus.Completed),
        (CampaignStatus.Sending, CampaignStatus.Cancelled),
        (CampaignStatus.Sending, CampaignStatus.Draft),
        (CampaignStatus.Paused, CampaignStatus.Sending),
        (CampaignStatus.Paused, CampaignStatus.Cancelled),
        (CampaignStatus.Completed, CampaignStatus.Sending),
    ];

    public static TheoryData<CampaignStatus, CampaignStatus> EveryPair()
    {
        var pairs = new TheoryData<CampaignStatus, CampaignStatus>();
        foreach (var from in Enum.GetValues<CampaignStatus>())
        {
            foreach (var to in Enum.GetValues<CampaignStatus>())
            {
                pairs.Add(from, to);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void ACampaignMovesExactlyWhereTheLifecycleAllows(CampaignStatus from, CampaignStatus to)
    {
        var campaign = CampaignIn(from);
        var allowed = Allowed.Contains((from, to));

        CampaignLifecycle.Allows(from, to).ShouldBe(allowed);
        if (allowed)
        {
            campaign.MoveTo(to);
            campaign.Status.ShouldBe(to);
        }
        else
        {
            var refused = Should.Throw<CampaignMoveRefusedException>(() => campaign.MoveTo(to));
            (refused.From, refused.To).ShouldBe((from, to));
            campaign.Status.ShouldBe(from);
        }
    }

    [Fact]
    public void ACancelledCampaignMovesNowhereAndACompletedOneOnlySendsANextRound()
    {
        foreach (var to in Enum.GetValues<CampaignStatus>())
        {
            CampaignLifecycle.Allows(CampaignStatus.Completed, to).ShouldBe(to == CampaignStatus.Sending);
            CampaignLifecycle.Allows(CampaignStatus.Cancelled, to).ShouldBeFalse();
        }

        // Only the named round step leaves Completed: a finished campaign is not "resumed" or relaunched.
        CampaignLifecycle.Moves.Where(m => m.IsAllowedFrom(CampaignStatus.Completed)).ShouldBe([CampaignLifecycle.SendNextRound]);
    }

    [Fact]
    public void ANamedMoveIsRefusedFromAStatusItDoesNotStartFromAndChangesNothing()
    {
        // Resume and Launch both end in Sending: a scheduled campaign must not be "resumed" past its launch.
        var scheduled = CampaignIn(CampaignStatus.Scheduled);

        scheduled.TryMove(CampaignLifecycle.Resume).ShouldBeFalse();
        scheduled.Status.ShouldBe(CampaignStatus.Scheduled);
        scheduled.TryMove(CampaignLifecycle.Launch).ShouldBeTrue();
        scheduled.Status.ShouldBe(CampaignStatus.Sending);
    }

    [Fact]
    public void EveryNamedMoveIsInTheTable()
    {
        var fromMoves = CampaignLifecycle.Moves.SelectMany(m => m.From.Select(f => (f, m.To))).ToHashSet();

        fromMoves.ShouldBe(Allowed, ignoreOrder: true);
    }

    /// <summary>A new campaign (a draft) walked to <paramref name="status"/> along allowed moves.</summary>
    private static Campaign CampaignIn(CampaignStatus status)
    {
        CampaignStatus[] path = status switch
        {
            CampaignStatus.Draft => [],
            CampaignStatus.Scheduled => [CampaignStatus.Scheduled],
            CampaignStatus.AwaitingConfirmation => [CampaignStatus.Scheduled, CampaignStatus.AwaitingConfirmation],
            CampaignStatus.Sending => [CampaignStatus.Scheduled, CampaignStatus.Sending],
            CampaignStatus.Paused => [CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Paused],
            CampaignStatus.Completed => [CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Completed],
            CampaignStatus.Cancelled => [CampaignStatus.Cancelled],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        var campaign = new Campaign { Name = "Lifecycle" };
        foreach (var step in path)
        {
            campaign.MoveTo(step);
        }

        campaign.Status.ShouldBe(status);
        return campaign;
    }
}
