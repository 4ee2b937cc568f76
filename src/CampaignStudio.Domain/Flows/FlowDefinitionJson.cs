using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Domain.Segments.Rules;

namespace CampaignStudio.Domain.Flows;

/// <summary>The outcome of reading flow JSON: a valid <see cref="Definition"/> or an <see cref="Error"/> in words.</summary>
public sealed record FlowDefinitionParseResult(FlowDefinition? Definition, string? Error)
{
    public bool IsValid => Definition is not null;
}

/// <summary>Reads, writes and checks <see cref="FlowDefinition"/> JSON (the same conventions as segment rules).</summary>
public static class FlowDefinitionJson
{
    public const int MaxLength = 512 * 1024;
    public const int MaxSteps = 200;
    public const int MaxDepth = 20;
    public const int MaxStepIdLength = 40;
    public const int MaxHoldoutPercent = 50;

    /// <summary>A year: longer waits are more likely a typo than a plan.</summary>
    public const int MaxWaitMinutes = 366 * 24 * 60;

    private static readonly JsonSerializerOptions _options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 256,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public static string Serialize(FlowDefinition definition) => JsonSerializer.Serialize(definition, _options);

    /// <summary>Reads and checks flow JSON; never throws for bad input.</summary>
    public static FlowDefinitionParseResult Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new(null, "The flow has no steps yet.");
        }

        if (json.Length > MaxLength)
        {
            return new(null, $"The flow is too large ({json.Length:N0} characters; at most {MaxLength:N0}).");
        }

        FlowDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize<FlowDefinition>(json, _options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return new(null, $"The flow JSON is malformed: {ex.Message.Split(" Path: ")[0].Split(". LineNumber")[0].TrimEnd('.')}.");
        }

        return Validate(definition) is { } error ? new(null, error) : new(definition, null);
    }

    /// <summary>What is wrong with the definition, in words, naming the step; null when it can go live.</summary>
    public static string? Validate(FlowDefinition? definition)
    {
        if (definition is null)
        {
            return "The flow is empty.";
        }

        if (definition.Version != FlowDefinition.CurrentVersion)
        {
            return $"This studio reads flow format {FlowDefinition.CurrentVersion}, not {definition.Version}.";
        }

        if (CheckTrigger(definition.Trigger) is { } triggerError)
        {
            return triggerError;
        }

        if (definition.Entry.AgainAfterDays is < 1 or > 3650)
        {
            return "Entering again must wait between 1 and 3,650 days.";
        }

        if (definition.Goal is { } goal && CheckEvent(goal.Event, "The goal") is { } goalError)
        {
            return goalError;
        }

        if (definition.ConversionWindowDays is < 1 or > 90)
        {
            return "The conversion window must be between 1 and 90 days.";
        }

        if (definition.Steps.Count == 0)
        {
            return "The flow has no steps yet.";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        return CheckSteps(definition.Steps, ids, 1);
    }

    private static string? CheckTrigger(FlowTrigger? trigger) => trigger switch
    {
        null => "The flow has no trigger: choose what makes a customer enter.",
        EventTrigger e => CheckEvent(e.Event, "The trigger"),
        SegmentEntryTrigger s when s.SegmentId <= 0 => "Choose the segment customers enter the flow from.",
        DateTrigger d when string.IsNullOrWhiteSpace(d.DateField) => "Choose the date the flow is timed from (e.g. a birthday attribute).",
        DateTrigger d when d.OffsetDays is < -366 or > 366 => "A date trigger can be at most a year before or after the date.",
        DateTrigger d when !TryLocalTime(d.AtLocalTime, out _) => $"\"{d.AtLocalTime}\" is not a time of day (use HH:mm, e.g. 09:00).",
        _ => null,
    };

    private static string? CheckEvent(EventMatch? match, string what)
    {
        if (match is null || string.IsNullOrWhiteSpace(match.EventType))
        {
            return $"{what} needs an event type.";
        }

        if (match.EventType.Length > Limits.Category)
        {
            return $"{what}: the event type is longer than {Limits.Category} characters.";
        }

        foreach (var f in match.Filters)
        {
            if (string.IsNullOrWhiteSpace(f.Property))
            {
                return $"{what}: a property condition has no property name.";
            }

            if (f.Operator != PropertyOperator.Exists && f.Value is null)
            {
                return $"{what}: the condition on \"{f.Property}\" has no value.";
            }

            if (f.Operator is PropertyOperator.GreaterThan or PropertyOperator.LessThan
                && !decimal.TryParse(f.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
            {
                return $"{what}: \"{f.Property}\" can only be compared with a number, not \"{f.Value}\".";
            }
        }

        return null;
    }

    private static string? CheckSteps(IReadOnlyList<FlowStep> steps, HashSet<string> ids, int depth)
    {
        if (depth > MaxDepth)
        {
            return $"The flow branches more than {MaxDepth} levels deep.";
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (step is null || string.IsNullOrWhiteSpace(step.Id) || step.Id.Length > MaxStepIdLength)
            {
                return $"Every step needs an id of 1 to {MaxStepIdLength} characters.";
            }

            var name = Name(step);
            if (!ids.Add(step.Id))
            {
                return $"Two steps have the id \"{step.Id}\".";
            }

            if (ids.Count > MaxSteps)
            {
                return $"A flow can have at most {MaxSteps} steps.";
            }

            if (IsBranching(step) && i != steps.Count - 1)
            {
                return $"{name} splits the flow, so it must be the last step of its branch: put the steps after it inside its branches.";
            }

            if (step is ExitStep && i != steps.Count - 1)
            {
                return $"{name} takes customers out, so nothing can come after it.";
            }

            var error = step switch
            {
                WaitStep w when w.Minutes is < 1 or > MaxWaitMinutes => $"{name}: a wait must be between 1 minute and a year.",
                WaitUntilTimeStep t when !TryLocalTime(t.LocalTime, out _) => $"{name}: \"{t.LocalTime}\" is not a time of day (use HH:mm).",
                WaitUntilTimeStep { Days.Count: 0 } => $"{name}: choose at least one day of the week.",
                WaitForEventStep e => CheckEvent(e.Event, name)
                    ?? (e.TimeoutMinutes is < 1 or > MaxWaitMinutes ? $"{name}: the time to wait must be between 1 minute and a year." : null)
                    ?? CheckSteps(e.Happened, ids, depth + 1) ?? CheckSteps(e.TimedOut, ids, depth + 1),
                ConditionSplitStep c => CheckCondition(c, name)
                    ?? CheckSteps(c.Yes, ids, depth + 1) ?? CheckSteps(c.No, ids, depth + 1),
                RandomSplitStep r => CheckArms(r, name, ids, depth),
                SendEmailStep s when s.TemplateId <= 0 => $"{name}: choose the e-mail template to send.",
                SendEmailStep s when s.HoldoutPercent is < 0 or > MaxHoldoutPercent => $"{name}: the holdout must be between 0 % and {MaxHoldoutPercent} %.",
                SendEmailStep s when s.OfferCost is < 0 => $"{name}: the offer's cost cannot be negative.",
                UpdateAttributeStep u when string.IsNullOrWhiteSpace(u.Attribute) || u.Attribute.Length > Limits.Category => $"{name}: name the attribute to set (at most {Limits.Category} characters).",
                UpdateAttributeStep u when u.Value is null || u.Value.Length > Limits.ShortText => $"{name}: the value is missing or longer than {Limits.ShortText} characters.",
                _ => null,
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? CheckCondition(ConditionSplitStep c, string name)
    {
        if (c.Rule is null && c.OfferGain is null)
        {
            return $"{name}: give the split a rule, an offer whose predicted gain decides, or both.";
        }

        if (c.Rule is not null && SegmentRuleValidator.Validate(c.Rule) is { } ruleError)
        {
            return $"{name}: {ruleError}";
        }

        return c.OfferGain switch
        {
            { ExperimentId: <= 0 } or { VariantId: <= 0 } => $"{name}: choose the experiment and the offer whose predicted gain decides.",
            { GainAbove: var gain } when !double.IsFinite(gain) || Math.Abs(gain) > MaxGainAbove => $"{name}: the gain to exceed must be a number between −{MaxGainAbove:N0} and {MaxGainAbove:N0}.",
            _ => null,
        };
    }

    /// <summary>Largest gain per customer a split may ask for, either way (a guard against a typo, not a business limit).</summary>
    public const double MaxGainAbove = 1_000_000;

    private static string? CheckArms(RandomSplitStep split, string name, HashSet<string> ids, int depth)
    {
        if (split.Arms is not { Count: >= 2 and <= 10 })
        {
            return $"{name}: a random split needs 2 to 10 arms.";
        }

        if (split.Arms.Any(a => a.Weight < 1 || string.IsNullOrWhiteSpace(a.Label)))
        {
            return $"{name}: every arm needs a label and a weight of at least 1.";
        }

        if (split.Arms.Select(a => a.Label.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != split.Arms.Count)
        {
            return $"{name}: two arms have the same label.";
        }

        return split.Arms.Select(a => CheckSteps(a.Steps, ids, depth + 1)).FirstOrDefault(e => e is not null);
    }

    /// <summary>A split or a wait for an event: the steps after it live in its branches.</summary>
    public static bool IsBranching(FlowStep step) => step is WaitForEventStep or ConditionSplitStep or RandomSplitStep;

    /// <summary>Reads HH:mm (24-hour).</summary>
    public static bool TryLocalTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static string Name(FlowStep step) => $"Step \"{step.Label ?? step.Id}\"";
}
