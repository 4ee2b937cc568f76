using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Features.Segments;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>The kinds of step the "add a step" menu offers.</summary>
public enum FlowStepKind
{
    Wait,
    WaitUntilTime,
    WaitForEvent,
    SendEmail,
    ConditionSplit,
    RandomSplit,
    UpdateAttribute,
    Exit,
}

public enum DurationUnit
{
    Minutes = 1,
    Hours = 60,
    Days = 24 * 60,
}

/// <summary>An event match as the editor's fields hold it (event type, then property conditions).</summary>
public sealed class EventMatchModel
{
    public string EventType { get; set; } = "";

    public List<PropertyFilterModel> Filters { get; set; } = [];

    public static EventMatchModel From(EventMatch? match) => new()
    {
        EventType = match?.EventType ?? "",
        Filters = match?.Filters.Select(f => new PropertyFilterModel { Property = f.Property, Operator = f.Operator, Value = f.Value }).ToList() ?? [],
    };

    public EventMatch ToMatch() => new(EventType.Trim())
    {
        Filters = [.. Filters.Select(f => new PropertyFilter(f.Property.Trim(), f.Operator) { Value = f.Operator == PropertyOperator.Exists ? null : f.Value })],
    };
}

public sealed class PropertyFilterModel
{
    public string Property { get; set; } = "";

    public PropertyOperator Operator { get; set; } = PropertyOperator.Equals;

    public string? Value { get; set; }
}

public sealed class ArmModel
{
    public string Label { get; set; } = "";

    public int Weight { get; set; } = 1;

    public IReadOnlyList<FlowStep> Steps { get; set; } = [];
}

/// <summary>
/// One step as the side panel edits it: every field of every kind, so switching nothing loses nothing; <see cref="ToStep"/>
/// builds the record with the same id and keeps the branches it had (random-split arms by position).
/// </summary>
public sealed class FlowStepModel
{
    public string Id { get; set; } = "";

    public FlowStepKind Kind { get; set; }

    public string? Label { get; set; }

    public int Amount { get; set; } = 1;

    public DurationUnit Unit { get; set; } = DurationUnit.Hours;

    public string LocalTime { get; set; } = "09:00";

    public HashSet<DayOfWeek> Days { get; set; } = [.. Enum.GetValues<DayOfWeek>()];

    public EventMatchModel Event { get; set; } = new() { EventType = EventMatch.Purchase };

    public RuleGroupModel Rule { get; set; } = new();

    /// <summary>A condition split asks the rule (off: only the offer decides).</summary>
    public bool UseRule { get; set; } = true;

    /// <summary>A condition split asks whether an offer pays for the customer (its predicted gain).</summary>
    public bool UseOfferGain { get; set; }

    public int? OfferExperimentId { get; set; }

    public int? OfferVariantId { get; set; }

    public double GainAbove { get; set; }

    public List<ArmModel> Arms { get; set; } = [new() { Label = "Mail", Weight = 1 }, new() { Label = "No message", Weight = 1 }];

    public int TemplateId { get; set; }

    public int HoldoutPercent { get; set; } = SendEmailStep.DefaultHoldoutPercent;

    public decimal? OfferCost { get; set; }

    public string? DiscountTier { get; set; }

    public string Attribute { get; set; } = "";

    public string Value { get; set; } = "";

    private FlowStep? _original;

    public static FlowStepModel New(FlowStepKind kind, string id, int defaultTemplateId) =>
        new() { Id = id, Kind = kind, TemplateId = defaultTemplateId, Amount = kind == FlowStepKind.WaitForEvent ? 1 : 1, Unit = kind == FlowStepKind.WaitForEvent ? DurationUnit.Days : DurationUnit.Hours };

    public static FlowStepModel From(FlowStep step)
    {
        var model = new FlowStepModel { Id = step.Id, Label = step.Label, _original = step };
        switch (step)
        {
            case WaitStep w:
                model.Kind = FlowStepKind.Wait;
                (model.Amount, model.Unit) = Split(w.Minutes);
                break;
            case WaitUntilTimeStep t:
                model.Kind = FlowStepKind.WaitUntilTime;
                model.LocalTime = t.LocalTime;
                model.Days = t.Days is { } days ? [.. days] : [.. Enum.GetValues<DayOfWeek>()];
                break;
            case WaitForEventStep e:
                model.Kind = FlowStepKind.WaitForEvent;
                model.Event = EventMatchModel.From(e.Event);
                (model.Amount, model.Unit) = Split(e.TimeoutMinutes);
                break;
            case ConditionSplitStep c:
                model.Kind = FlowStepKind.ConditionSplit;
                model.Rule = RuleEditorModel.FromRule(c.Rule);
                model.UseRule = c.Rule is not null;
                model.UseOfferGain = c.OfferGain is not null;
                model.OfferExperimentId = c.OfferGain?.ExperimentId;
                model.OfferVariantId = c.OfferGain?.VariantId;
                model.GainAbove = c.OfferGain?.GainAbove ?? 0;
                break;
            case RandomSplitStep r:
                model.Kind = FlowStepKind.RandomSplit;
                model.Arms = [.. r.Arms.Select(a => new ArmModel { Label = a.Label, Weight = a.Weight, Steps = a.Steps })];
                break;
            case SendEmailStep s:
                model.Kind = FlowStepKind.SendEmail;
                model.TemplateId = s.TemplateId;
                model.HoldoutPercent = s.HoldoutPercent;
                model.OfferCost = s.OfferCost;
                model.DiscountTier = s.DiscountTier;
                break;
            case UpdateAttributeStep u:
                model.Kind = FlowStepKind.UpdateAttribute;
                model.Attribute = u.Attribute;
                model.Value = u.Value;
                break;
            default:
                model.Kind = FlowStepKind.Exit;
                break;
        }

        return model;
    }

    public FlowStep ToStep()
    {
        var label = string.IsNullOrWhiteSpace(Label) ? null : Label.Trim();
        var minutes = checked(Amount * (int)Unit);
        return Kind switch
        {
            FlowStepKind.Wait => new WaitStep(Id, minutes) { Label = label },
            FlowStepKind.WaitUntilTime => new WaitUntilTimeStep(Id, LocalTime.Trim()) { Label = label, Days = Days.Count == 7 ? null : [.. Days.Order()] },
            FlowStepKind.WaitForEvent => new WaitForEventStep(Id, Event.ToMatch(), minutes)
            {
                Label = label,
                Happened = (_original as WaitForEventStep)?.Happened ?? [],
                TimedOut = (_original as WaitForEventStep)?.TimedOut ?? [],
            },
            FlowStepKind.ConditionSplit => new ConditionSplitStep(Id, UseRule ? RuleEditorModel.ToRule(Rule) : null)
            {
                Label = label,
                OfferGain = UseOfferGain ? new OfferGainCondition(OfferExperimentId ?? 0, OfferVariantId ?? 0) { GainAbove = GainAbove } : null,
                Yes = (_original as ConditionSplitStep)?.Yes ?? [],
                No = (_original as ConditionSplitStep)?.No ?? [],
            },
            FlowStepKind.RandomSplit => new RandomSplitStep(Id, [.. Arms.Select(a => new FlowArm(a.Label.Trim(), a.Weight) { Steps = a.Steps })]) { Label = label },
            FlowStepKind.SendEmail => new SendEmailStep(Id, TemplateId)
            {
                Label = label,
                HoldoutPercent = HoldoutPercent,
                OfferCost = OfferCost,
                DiscountTier = string.IsNullOrWhiteSpace(DiscountTier) ? null : DiscountTier.Trim(),
            },
            FlowStepKind.UpdateAttribute => new UpdateAttributeStep(Id, Attribute.Trim(), Value) { Label = label },
            _ => new ExitStep(Id) { Label = label },
        };
    }

    /// <summary>Uses the rule of an existing segment for a condition split (the builder then edits a copy).</summary>
    public void UseSegmentRule(string? ruleJson)
    {
        if (SegmentRuleJson.Parse(ruleJson).Rule is { } rule)
        {
            Rule = RuleEditorModel.FromRule(rule);
        }
    }

    private static (int Amount, DurationUnit Unit) Split(int minutes) =>
        minutes % (int)DurationUnit.Days == 0 ? (minutes / (int)DurationUnit.Days, DurationUnit.Days)
        : minutes % (int)DurationUnit.Hours == 0 ? (minutes / (int)DurationUnit.Hours, DurationUnit.Hours)
        : (minutes, DurationUnit.Minutes);
}
