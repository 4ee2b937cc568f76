namespace CampaignStudio.Domain.Campaigns;

/// <summary>
/// The campaign state machine: every status change a campaign may make, in one table. The campaign page, the send worker
/// and the database updates all ask this table; none decides on its own which "from" states are fine.
/// </summary>
public static class CampaignLifecycle
{
    /// <summary>The wizard's launch: the campaign waits for its send time.</summary>
    public static readonly CampaignMove Schedule = new(nameof(Schedule), CampaignStatus.Scheduled, CampaignStatus.Draft);

    /// <summary>The worker starts a due campaign: audience frozen, one message row per recipient.</summary>
    public static readonly CampaignMove Launch = new(nameof(Launch), CampaignStatus.Sending, CampaignStatus.Scheduled);

    /// <summary>A campaign found long past its send time (the studio was down) waits for a person to confirm.</summary>
    public static readonly CampaignMove AwaitConfirmation = new(nameof(AwaitConfirmation), CampaignStatus.AwaitingConfirmation, CampaignStatus.Scheduled);

    /// <summary>A person confirms the overdue campaign: it is scheduled for now.</summary>
    public static readonly CampaignMove Confirm = new(nameof(Confirm), CampaignStatus.Scheduled, CampaignStatus.AwaitingConfirmation);

    /// <summary>The launch found no usable audience (segment deleted, rule broken): back to draft before any message exists.</summary>
    public static readonly CampaignMove BackToDraft = new(nameof(BackToDraft), CampaignStatus.Draft, CampaignStatus.Sending);

    public static readonly CampaignMove Pause = new(nameof(Pause), CampaignStatus.Paused, CampaignStatus.Sending);

    public static readonly CampaignMove Resume = new(nameof(Resume), CampaignStatus.Sending, CampaignStatus.Paused);

    /// <summary>Every message sent, failed or suppressed.</summary>
    public static readonly CampaignMove Complete = new(nameof(Complete), CampaignStatus.Completed, CampaignStatus.Sending);

    /// <summary>
    /// An adaptive experiment's next round is mailed on the campaign that mailed its first: the finished campaign sends
    /// again, only the new round's messages (the only way out of Completed).
    /// </summary>
    public static readonly CampaignMove SendNextRound = new(nameof(SendNextRound), CampaignStatus.Sending, CampaignStatus.Completed);

    /// <summary>Anything not finished can be cancelled; messages not yet handed to a worker are cancelled with it.</summary>
    public static readonly CampaignMove Cancel = new(nameof(Cancel), CampaignStatus.Cancelled,
        CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.AwaitingConfirmation, CampaignStatus.Sending, CampaignStatus.Paused);

    /// <summary>The table: every move a campaign can make.</summary>
    public static IReadOnlyList<CampaignMove> Moves { get; } = [Schedule, Launch, AwaitConfirmation, Confirm, BackToDraft, Pause, Resume, Complete, SendNextRound, Cancel];

    /// <summary>Whether a campaign in <paramref name="from"/> may move to <paramref name="to"/> by any move of the table.</summary>
    public static bool Allows(CampaignStatus from, CampaignStatus to) => Moves.Any(m => m.To == to && m.From.Contains(from));
}

/// <summary>One named move of <see cref="CampaignLifecycle"/>: to one status, from the statuses it is allowed from.</summary>
public sealed class CampaignMove
{
    internal CampaignMove(string name, CampaignStatus to, params CampaignStatus[] from)
    {
        Name = name;
        To = to;
        From = from;
    }

    public string Name { get; }

    public CampaignStatus To { get; }

    public IReadOnlyList<CampaignStatus> From { get; }

    public bool IsAllowedFrom(CampaignStatus status) => From.Contains(status);

    public override string ToString() => $"{Name} ({string.Join("/", From)} → {To})";
}

/// <summary>A status change the <see cref="CampaignLifecycle"/> does not allow.</summary>
public sealed class CampaignMoveRefusedException(CampaignStatus from, CampaignStatus to)
    : InvalidOperationException($"A campaign cannot move from {from} to {to}.")
{
    public CampaignStatus From { get; } = from;

    public CampaignStatus To { get; } = to;
}
