namespace CampaignStudio.Domain.Campaigns;

/// <summary>A reusable e-mail design: Liquid subject, preheader, HTML and text parts.</summary>
public class EmailTemplate
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string Subject { get; set; } = "";
    public string? Preheader { get; set; }
    public string HtmlBody { get; set; } = "";
    public string? TextBody { get; set; }

    /// <summary>
    /// The blocks of a template built in the block editor, as JSON; null for a template written as HTML. When set,
    /// <see cref="HtmlBody"/> and <see cref="TextBody"/> are what the blocks compiled to at the last save, so sending needs nothing else.
    /// </summary>
    public string? BlocksJson { get; set; }

    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A send of e-mail to a segment's members, optionally as an experiment.</summary>
public class Campaign
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Changes only through <see cref="MoveTo"/> (or a database update guarded by a <see cref="CampaignMove"/>).</summary>
    public CampaignStatus Status { get; private set; }
    public int? SegmentId { get; set; }

    /// <summary>The frozen audience taken at launch.</summary>
    public int? SnapshotSegmentId { get; set; }

    public int? ExperimentId { get; set; }
    public int? EmailTemplateId { get; set; }

    /// <summary>When to send (UTC); null means at launch.</summary>
    public DateTime? ScheduledAt { get; set; }

    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>
    /// Deliver at each recipient's best hour within the 24 hours after launch (from their past opens and clicks)
    /// instead of all at once.
    /// </summary>
    public bool DeliverAtBestHour { get; set; }

    /// <summary>The discount tier the templates may show (<c>campaign.discount_tier</c>), e.g. "10%".</summary>
    public string? DiscountTier { get; set; }

    /// <summary>Days after a send in which a purchase counts as a conversion of this campaign.</summary>
    public int AttributionWindowDays { get; set; } = 7;
    public int AudienceCount { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LaunchedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>The domain of the From address the campaign was launched with: sender health is reported per sending domain.</summary>
    public string? SendingDomain { get; set; }

    /// <summary>When the campaign last paused itself (<see cref="AutomaticPause"/>); kept after a resume, as history.</summary>
    public DateTime? AutoPausedAt { get; set; }

    /// <summary>Why it paused itself, in words (<see cref="AutomaticPause.Reason"/>).</summary>
    public string? AutoPauseReason { get; set; }

    /// <summary>
    /// Set when a marketer resumes a campaign that paused itself: from then on the automatic pause counts only mail sent
    /// since, so going on is their decision and not undone a second later by the same numbers.
    /// </summary>
    public DateTime? HealthCountedFrom { get; set; }

    /// <summary>
    /// Set when this campaign is the send step of a flow version rather than a one-off send: its messages are queued one at
    /// a time by the flow engine, it stays open while the flow is live, and it is listed with its flow, not as a campaign
    /// (docs/decisions/053-flows.md).
    /// </summary>
    public int? FlowId { get; set; }

    public int? FlowVersionId { get; set; }

    /// <summary>The <see cref="Flows.FlowStep.Id"/> of the send step within <see cref="FlowVersionId"/>.</summary>
    public string? FlowStepId { get; set; }

    /// <summary>A flow's send step (see <see cref="FlowId"/>).</summary>
    public bool IsFlowStep => FlowId is not null;

    /// <summary>Paused by the automatic pause and not resumed since (a marketer's own pause later is not).</summary>
    public bool IsAutoPaused => Status == CampaignStatus.Paused && AutoPausedAt is { } at && (HealthCountedFrom is not { } from || at >= from);

    /// <summary>Moves the campaign to <paramref name="to"/> if <see cref="CampaignLifecycle"/> allows it from where it is.</summary>
    /// <exception cref="CampaignMoveRefusedException">The lifecycle has no such move.</exception>
    public void MoveTo(CampaignStatus to)
    {
        if (!CampaignLifecycle.Allows(Status, to))
        {
            throw new CampaignMoveRefusedException(Status, to);
        }

        Status = to;
    }

    /// <summary>Makes <paramref name="move"/> if it is allowed from where the campaign is; false (and no change) otherwise.</summary>
    public bool TryMove(CampaignMove move)
    {
        if (!move.IsAllowedFrom(Status))
        {
            return false;
        }

        Status = move.To;
        return true;
    }
}

public enum CampaignStatus
{
    Draft,
    Scheduled,

    /// <summary>Scheduled time long passed while the studio was down: a person must confirm.</summary>
    AwaitingConfirmation,

    Sending,
    Paused,
    Completed,
    Cancelled,
}

/// <summary>One recipient of one campaign: the ledger row that makes sending exactly-once-ish and crash-safe.</summary>
public class Message
{
    public long Id { get; set; }
    public int CampaignId { get; set; }
    public long CustomerId { get; set; }
    public int? VariantId { get; set; }

    /// <summary>
    /// 0 for a campaign; for a flow's send step, the customer's <see cref="Flows.FlowEnrollment.EntryNumber"/>, so a customer who
    /// enters a flow again gets that step again (one message per campaign, customer and entry).
    /// </summary>
    public int EntryNumber { get; set; }

    public MessageStatus Status { get; set; }
    public int Attempts { get; set; }

    /// <summary>Worker holding the row, and until when; an expired lease may be taken by another worker.</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseUntil { get; set; }
    public DateTime QueuedAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? SentAt { get; set; }
    public string? Error { get; set; }
    public string? MessageIdHeader { get; set; }
    public DateTime? OpenedAt { get; set; }
    public DateTime? ClickedAt { get; set; }

    /// <summary>Set when a bounce for this message came back (hard or soft); the row stays <see cref="MessageStatus.Sent"/>: it did leave.</summary>
    public Bounces.BounceKind? Bounce { get; set; }

    public DateTime? BouncedAt { get; set; }

    /// <summary>Set when the recipient reported this message as spam.</summary>
    public DateTime? ComplainedAt { get; set; }
}

/// <summary>A link of one sent message, stored at send time: the click redirect only ever goes to a stored URL.</summary>
public class TrackedLink
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public string Url { get; set; } = "";
    public DateTime? FirstClickedAt { get; set; }
    public int Clicks { get; set; }
}

public enum MessageStatus
{
    Queued,
    Sending,
    Sent,
    Failed,
    Suppressed,
    Cancelled,
}
