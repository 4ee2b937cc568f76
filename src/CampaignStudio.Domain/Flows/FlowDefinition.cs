using System.Text.Json.Serialization;
using CampaignStudio.Domain.Segments.Rules;

namespace CampaignStudio.Domain.Flows;

/// <summary>
/// What a flow version does: who enters (<see cref="Trigger"/>, <see cref="Entry"/>), when they leave early
/// (<see cref="Goal"/>), and the steps in order. Steps form a tree: a step that branches (a split, a wait for an event) is
/// the last of its list and each branch carries its own steps on, so the diagram reads top to bottom with no loops.
/// Stored as JSON in <see cref="FlowVersion.DefinitionJson"/>; read and checked with <see cref="FlowDefinitionJson"/>.
/// </summary>
public sealed record FlowDefinition
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required FlowTrigger Trigger { get; init; }

    public FlowEntryRule Entry { get; init; } = new();

    /// <summary>What the flow is for (e.g. an order): when it happens the customer leaves, and it is the conversion the steps are measured by.</summary>
    public FlowGoal? Goal { get; init; }

    /// <summary>Days after a send (or a holdout) in which the goal counts as a conversion of that step.</summary>
    public int ConversionWindowDays { get; init; } = 7;

    public IReadOnlyList<FlowStep> Steps { get; init; } = [];
}

/// <summary>When a customer enters: an event, joining a segment, or a date (JSON discriminator "type").</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(EventTrigger), "event")]
[JsonDerivedType(typeof(SegmentEntryTrigger), "segmentEntry")]
[JsonDerivedType(typeof(DateTrigger), "date")]
public abstract record FlowTrigger;

/// <summary>An event of this type arrives (through <c>POST /api/events</c> or an import), optionally only with these properties.</summary>
public sealed record EventTrigger(EventMatch Event) : FlowTrigger;

/// <summary>
/// A customer becomes a member of the segment (e.g. "no order for 120 days", or churn risk above a threshold). Checked
/// every few minutes; with <see cref="IncludeCurrentMembers"/> those already members when the flow goes live enter too.
/// </summary>
public sealed record SegmentEntryTrigger(int SegmentId) : FlowTrigger
{
    public bool IncludeCurrentMembers { get; init; }
}

/// <summary>
/// Once a year on a date of the customer: a custom attribute holding a date (e.g. "birthday") or <c>created_at</c> (the
/// anniversary of becoming a customer), <see cref="OffsetDays"/> before (negative) or after, at a local time of day.
/// </summary>
public sealed record DateTrigger(string DateField) : FlowTrigger
{
    public const string CustomerSince = "created_at";

    public int OffsetDays { get; init; }

    /// <summary>Local time of day (HH:mm) in the customer's time zone.</summary>
    public string AtLocalTime { get; init; } = "09:00";
}

/// <summary>An event type and conditions on its properties, all of which must hold.</summary>
public sealed record EventMatch(string EventType)
{
    /// <summary>The event type that means a purchase arrived (an imported purchase counts as well as an event of this type).</summary>
    public const string Purchase = "order_placed";

    public IReadOnlyList<PropertyFilter> Filters { get; init; } = [];
}

/// <summary>A condition on one property of an event, e.g. <c>total greater than 50</c>.</summary>
public sealed record PropertyFilter(string Property, PropertyOperator Operator)
{
    /// <summary>The value compared with (not used by <see cref="PropertyOperator.Exists"/>).</summary>
    public string? Value { get; init; }
}

public enum PropertyOperator
{
    Equals,
    NotEquals,
    Contains,
    GreaterThan,
    LessThan,
    Exists,
}

/// <summary>Whether a customer may enter again: never (null) or once this many days passed since their last entry.</summary>
public sealed record FlowEntryRule
{
    public int? AgainAfterDays { get; init; }
}

/// <summary>The flow's goal; <see cref="ExitOnGoal"/> takes the customer out when it happens (the cart reminder is not sent after the order).</summary>
public sealed record FlowGoal(EventMatch Event)
{
    public bool ExitOnGoal { get; init; } = true;
}

/// <summary>One step of a flow (JSON discriminator "type"). <see cref="Id"/> is stable across versions: customers in flight are found by it.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(WaitStep), "wait")]
[JsonDerivedType(typeof(WaitUntilTimeStep), "waitUntilTime")]
[JsonDerivedType(typeof(WaitForEventStep), "waitForEvent")]
[JsonDerivedType(typeof(ConditionSplitStep), "condition")]
[JsonDerivedType(typeof(RandomSplitStep), "randomSplit")]
[JsonDerivedType(typeof(SendEmailStep), "sendEmail")]
[JsonDerivedType(typeof(UpdateAttributeStep), "updateAttribute")]
[JsonDerivedType(typeof(ExitStep), "exit")]
public abstract record FlowStep(string Id)
{
    /// <summary>The marketer's own name for the step, shown in the diagram and reports.</summary>
    public string? Label { get; init; }
}

/// <summary>Waits a fixed time.</summary>
public sealed record WaitStep(string Id, int Minutes) : FlowStep(Id);

/// <summary>Waits until the next time the customer's local clock shows <see cref="LocalTime"/> (HH:mm), on one of <see cref="Days"/> if given.</summary>
public sealed record WaitUntilTimeStep(string Id, string LocalTime) : FlowStep(Id)
{
    public IReadOnlyList<DayOfWeek>? Days { get; init; }
}

/// <summary>Waits for an event up to <see cref="TimeoutMinutes"/>: <see cref="Happened"/> goes on if it came, <see cref="TimedOut"/> if not.</summary>
public sealed record WaitForEventStep(string Id, EventMatch Event, int TimeoutMinutes) : FlowStep(Id)
{
    public IReadOnlyList<FlowStep> Happened { get; init; } = [];
    public IReadOnlyList<FlowStep> TimedOut { get; init; } = [];
}

/// <summary>
/// Sends customers who match down <see cref="Yes"/>, the others down <see cref="No"/>. A customer matches when they match
/// the <see cref="Rule"/> (any segment rule) and, when <see cref="OfferGain"/> is set, the offer is predicted to pay for
/// them; at least one of the two is given.
/// </summary>
public sealed record ConditionSplitStep(string Id, SegmentRule? Rule) : FlowStep(Id)
{
    /// <summary>"The offer pays for this customer": their predicted gain from an offer of a trained offer policy.</summary>
    public OfferGainCondition? OfferGain { get; init; }

    public IReadOnlyList<FlowStep> Yes { get; init; } = [];
    public IReadOnlyList<FlowStep> No { get; init; } = [];
}

/// <summary>
/// A customer's predicted gain from one offer (arm <see cref="VariantId"/> of experiment <see cref="ExperimentId"/>, as the
/// experiment's latest trained offer policy predicts it: value with the offer minus value with no message, net of the
/// offer's costs) is above <see cref="GainAbove"/>. Customers the policy did not score have no prediction and do not match.
/// </summary>
public sealed record OfferGainCondition(int ExperimentId, int VariantId)
{
    /// <summary>The gain per customer (money) the prediction must exceed; 0 = "the offer pays".</summary>
    public double GainAbove { get; init; }
}

/// <summary>An experiment inside the flow: each customer takes one arm at random by weight (an arm with no steps is "no message").</summary>
public sealed record RandomSplitStep(string Id, IReadOnlyList<FlowArm> Arms) : FlowStep(Id);

public sealed record FlowArm(string Label, int Weight)
{
    public IReadOnlyList<FlowStep> Steps { get; init; } = [];
}

/// <summary>
/// Sends a template through the campaign send pipeline (consent and suppression checked at send time, limits, quiet hours,
/// frequency cap). <see cref="HoldoutPercent"/> of the customers who reach it get nothing and are the step's comparison group.
/// </summary>
public sealed record SendEmailStep(string Id, int TemplateId) : FlowStep(Id)
{
    public const int DefaultHoldoutPercent = 10;

    public int HoldoutPercent { get; init; } = DefaultHoldoutPercent;

    /// <summary>What the offer in the mail costs the shop for each conversion (e.g. the discount), if it has one.</summary>
    public decimal? OfferCost { get; init; }

    /// <summary>The discount tier the template may show (<c>campaign.discount_tier</c>).</summary>
    public string? DiscountTier { get; init; }
}

/// <summary>Sets a custom attribute of the customer (e.g. "welcome_done" = "yes").</summary>
public sealed record UpdateAttributeStep(string Id, string Attribute, string Value) : FlowStep(Id);

/// <summary>Takes the customer out of the flow here.</summary>
public sealed record ExitStep(string Id) : FlowStep(Id);
