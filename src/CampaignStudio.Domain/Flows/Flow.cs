namespace CampaignStudio.Domain.Flows;

/// <summary>
/// A triggered flow: customers enter when something happens (an event, joining a segment, a date) and go through steps —
/// waits, splits, e-mails — one at a time. Its steps live in versions (<see cref="FlowVersion"/>): editing a live flow
/// publishes a new version, and customers already inside finish on the version they entered (docs/decisions/053-flows.md).
/// </summary>
public class Flow
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public FlowStatus Status { get; set; }

    /// <summary>The version new customers enter (the last one published); null while a draft was never switched on.</summary>
    public int? LiveVersionId { get; set; }

    /// <summary>The ready-made flow it was started from ("welcome", "abandoned_cart", ...), if any.</summary>
    public string? StartedFrom { get; set; }

    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When it was last switched on (live); customers whose trigger happened before never enter.</summary>
    public DateTime? LiveSince { get; set; }
}

public enum FlowStatus
{
    /// <summary>Being built: nobody enters, nothing is sent.</summary>
    Draft,

    /// <summary>Customers enter and move through the steps.</summary>
    Live,

    /// <summary>Nobody new enters and nobody moves on; those inside wait where they are until it is live again.</summary>
    Paused,

    /// <summary>Switched off for good: those inside leave, it stays for its reports.</summary>
    Archived,
}

/// <summary>One published (or draft) set of steps of a flow. A version is never changed once customers entered it.</summary>
public class FlowVersion
{
    public int Id { get; set; }
    public int FlowId { get; set; }

    /// <summary>1, 2, 3, … within the flow.</summary>
    public int Number { get; set; }

    /// <summary>The <see cref="FlowDefinition"/> as JSON (<see cref="FlowDefinitionJson"/>).</summary>
    public string DefinitionJson { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>When it became the live version; null for the draft being edited.</summary>
    public DateTime? PublishedAt { get; set; }

    public string CreatedBy { get; set; } = "";
}

/// <summary>
/// One customer's trip through a flow, from entry to exit: where they are and when they are due next. The engine moves
/// due enrollments under a lease (like the message ledger), so a crash mid-step makes the step due again on any instance.
/// </summary>
public class FlowEnrollment
{
    public long Id { get; set; }
    public int FlowId { get; set; }
    public int FlowVersionId { get; set; }
    public long CustomerId { get; set; }

    /// <summary>1 for the customer's first entry into this flow, 2 for a re-entry, …; also numbers their messages.</summary>
    public int EntryNumber { get; set; }

    /// <summary>The event that brought them in, if an event did.</summary>
    public long? TriggerEventId { get; set; }

    public DateTime EnteredAt { get; set; }
    public FlowEnrollmentState State { get; set; }

    /// <summary>The step they are at (a <see cref="FlowStep.Id"/> of their version); null once they left.</summary>
    public string? StepId { get; set; }

    public DateTime? StepEnteredAt { get; set; }

    /// <summary>When the engine should look at them next (a wait ends, a quiet hour is over); null: when an event arrives.</summary>
    public DateTime? DueAt { get; set; }

    /// <summary>The event type a "wait until" step is watching for, so an arriving event finds them quickly.</summary>
    public string? WaitingForEvent { get; set; }

    public DateTime? ExitedAt { get; set; }
    public FlowExitReason? ExitReason { get; set; }

    /// <summary>The engine instance moving them, and until when; an expired lease may be taken by another instance.</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseUntil { get; set; }
}

public enum FlowEnrollmentState
{
    /// <summary>Inside the flow: waiting or due at a step.</summary>
    Active,

    /// <summary>Reached the end of a branch.</summary>
    Finished,

    /// <summary>Left early (goal reached, opted out, flow archived, …): see <see cref="FlowEnrollment.ExitReason"/>.</summary>
    Exited,
}

public enum FlowExitReason
{
    /// <summary>The goal happened (e.g. the order arrived): the rest is not sent.</summary>
    Goal,

    /// <summary>An exit step.</summary>
    ExitStep,

    /// <summary>No longer mailable (opted out, bounced, erased).</summary>
    NotMailable,

    /// <summary>The flow was archived while they were inside.</summary>
    FlowArchived,

    /// <summary>Their step disappeared when the flow was edited and no rule moved them.</summary>
    StepRemoved,
}

/// <summary>
/// What happened to a customer at one step: the flow's reports count these (entries, waits, branches taken, mails sent,
/// held out, skipped) and the lift of a send step compares conversions after <see cref="FlowStepOutcome.Sent"/> with
/// those after <see cref="FlowStepOutcome.HeldOut"/>.
/// </summary>
public class FlowStepVisit
{
    public long Id { get; set; }
    public long EnrollmentId { get; set; }
    public int FlowId { get; set; }
    public int FlowVersionId { get; set; }
    public string StepId { get; set; } = "";
    public long CustomerId { get; set; }
    public DateTime At { get; set; }
    public FlowStepOutcome Outcome { get; set; }

    /// <summary>The branch or arm taken at a split ("yes", "no", an arm's label).</summary>
    public string? Branch { get; set; }

    /// <summary>The message queued by a send step (its campaign is the step's <see cref="Campaigns.Campaign"/>).</summary>
    public long? MessageId { get; set; }

    /// <summary>Why a send was skipped, in words.</summary>
    public string? Note { get; set; }
}

public enum FlowStepOutcome
{
    /// <summary>Passed a step that does not send (wait ended, split, attribute updated).</summary>
    Passed,

    /// <summary>A mail was queued to the send pipeline.</summary>
    Sent,

    /// <summary>Kept back by the step's holdout: the comparison group.</summary>
    HeldOut,

    /// <summary>Not sent: consent, suppression or the frequency cap said no (see <see cref="FlowStepVisit.Note"/>).</summary>
    Skipped,

    /// <summary>Left the flow at this step.</summary>
    Exited,
}
