using CampaignStudio.Domain.Flows;

namespace CampaignStudio.Web.Features.Flows;

public enum TriggerKind
{
    Event,
    SegmentEntry,
    Date,
}

/// <summary>The trigger, entry rule, goal and conversion window as the editor's fields hold them.</summary>
public sealed class FlowSettingsModel
{
    public TriggerKind Kind { get; set; }

    public EventMatchModel TriggerEvent { get; set; } = new();

    public int SegmentId { get; set; }

    public bool IncludeCurrentMembers { get; set; }

    public string DateField { get; set; } = DateTrigger.CustomerSince;

    public int OffsetDays { get; set; }

    public string AtLocalTime { get; set; } = "09:00";

    public bool EnterAgain { get; set; }

    public int AgainAfterDays { get; set; } = 30;

    public bool HasGoal { get; set; } = true;

    public EventMatchModel GoalEvent { get; set; } = new() { EventType = EventMatch.Purchase };

    public bool ExitOnGoal { get; set; } = true;

    public int ConversionWindowDays { get; set; } = 7;

    public static FlowSettingsModel From(FlowDefinition definition)
    {
        var model = new FlowSettingsModel
        {
            EnterAgain = definition.Entry.AgainAfterDays is not null,
            AgainAfterDays = definition.Entry.AgainAfterDays ?? 30,
            HasGoal = definition.Goal is not null,
            GoalEvent = EventMatchModel.From(definition.Goal?.Event ?? new EventMatch(EventMatch.Purchase)),
            ExitOnGoal = definition.Goal?.ExitOnGoal ?? true,
            ConversionWindowDays = definition.ConversionWindowDays,
        };
        switch (definition.Trigger)
        {
            case EventTrigger e:
                model.Kind = TriggerKind.Event;
                model.TriggerEvent = EventMatchModel.From(e.Event);
                break;
            case SegmentEntryTrigger s:
                model.Kind = TriggerKind.SegmentEntry;
                model.SegmentId = s.SegmentId;
                model.IncludeCurrentMembers = s.IncludeCurrentMembers;
                break;
            case DateTrigger d:
                model.Kind = TriggerKind.Date;
                model.DateField = d.DateField;
                model.OffsetDays = d.OffsetDays;
                model.AtLocalTime = d.AtLocalTime;
                break;
        }

        return model;
    }

    public FlowTrigger ToTrigger() => Kind switch
    {
        TriggerKind.SegmentEntry => new SegmentEntryTrigger(SegmentId) { IncludeCurrentMembers = IncludeCurrentMembers },
        TriggerKind.Date => new DateTrigger(DateField.Trim()) { OffsetDays = OffsetDays, AtLocalTime = AtLocalTime.Trim() },
        _ => new EventTrigger(TriggerEvent.ToMatch()),
    };

    public FlowEntryRule ToEntry() => new() { AgainAfterDays = EnterAgain ? AgainAfterDays : null };

    public FlowGoal? ToGoal() => HasGoal ? new FlowGoal(GoalEvent.ToMatch()) { ExitOnGoal = ExitOnGoal } : null;

    /// <summary>The whole definition: these settings around <paramref name="steps"/>.</summary>
    public FlowDefinition With(IReadOnlyList<FlowStep> steps) =>
        new() { Trigger = ToTrigger(), Entry = ToEntry(), Goal = ToGoal(), ConversionWindowDays = ConversionWindowDays, Steps = steps };
}
