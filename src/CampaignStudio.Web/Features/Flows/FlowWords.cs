using System.Globalization;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Segments.Rules;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>A flow in the marketer's words: what makes a customer enter, what each step does, what each branch means.</summary>
public static class FlowWords
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static string Trigger(FlowTrigger? trigger, Func<int, string?>? segmentName = null) => trigger switch
    {
        EventTrigger e => $"When {Event(e.Event)} happens",
        SegmentEntryTrigger s => $"When a customer joins “{segmentName?.Invoke(s.SegmentId) ?? $"segment #{s.SegmentId}"}”"
            + (s.IncludeCurrentMembers ? " (current members too)" : ""),
        DateTrigger d => $"{Offset(d.OffsetDays)} {(d.DateField == DateTrigger.CustomerSince ? "the anniversary of becoming a customer" : $"the customer's “{d.DateField}”")}, at {d.AtLocalTime} their time",
        _ => "No trigger yet",
    };

    public static string Entry(FlowEntryRule entry) =>
        entry.AgainAfterDays is { } days ? $"Customers may enter again {Duration(days * 24 * 60)} after their last entry" : "Each customer enters once";

    public static string Goal(FlowGoal? goal) => goal is null
        ? "No goal"
        : $"Goal: {Event(goal.Event)}" + (goal.ExitOnGoal ? " — customers leave when it happens" : " — counted, customers stay");

    /// <summary>What one step does, e.g. "Wait 1 hour" or "Send “Your cart is waiting” · 10 % holdout".</summary>
    public static string Step(FlowStep step, Func<int, string?>? templateName = null, Func<OfferGainCondition, string?>? offerName = null) => step switch
    {
        WaitStep w => $"Wait {Duration(w.Minutes)}",
        WaitUntilTimeStep t => $"Wait until {t.LocalTime} their time" + (t.Days is { Count: > 0 and < 7 } days ? $" on {string.Join(", ", days.Select(d => English.DateTimeFormat.GetAbbreviatedDayName(d)))}" : ""),
        WaitForEventStep e => $"Wait up to {Duration(e.TimeoutMinutes)} for {Event(e.Event)}",
        ConditionSplitStep c => "Split: " + string.Join(" and ", new[]
        {
            c.Rule is null ? null : $"does the customer match {Rule(c.Rule)}",
            c.OfferGain is { } gain ? OfferGain(gain, offerName?.Invoke(gain)) : null,
        }.Where(x => x is not null)) + "?",
        RandomSplitStep r => $"Random split: {string.Join(" / ", r.Arms.Select(a => $"{a.Label} {Share(a.Weight, r.Arms.Sum(x => x.Weight))}"))}",
        SendEmailStep s => $"Send “{templateName?.Invoke(s.TemplateId) ?? $"template #{s.TemplateId}"}” · {s.HoldoutPercent} % holdout"
            + (s.OfferCost is { } cost ? $" · offer costs {cost.ToString("0.##", CultureInfo.InvariantCulture)} per order" : "")
            + (string.IsNullOrWhiteSpace(s.DiscountTier) ? "" : $" · discount {s.DiscountTier}"),
        UpdateAttributeStep u => $"Set “{u.Attribute}” to “{u.Value}”",
        ExitStep => "Exit the flow",
        _ => step.GetType().Name,
    };

    /// <summary>The kind of step, as the "add a step" menu names it.</summary>
    public static string Kind(FlowStep step) => step switch
    {
        WaitStep => "Wait",
        WaitUntilTimeStep => "Wait until a time of day",
        WaitForEventStep => "Wait for an event",
        ConditionSplitStep => "Condition split",
        RandomSplitStep => "Random split",
        SendEmailStep => "Send e-mail",
        UpdateAttributeStep => "Update an attribute",
        ExitStep => "Exit",
        _ => "Step",
    };

    public static string Branch(FlowStep parent, string branch) => (parent, branch) switch
    {
        (WaitForEventStep e, FlowBranches.Happened) => $"{e.Event.EventType} happened",
        (WaitForEventStep, FlowBranches.TimedOut) => "Timed out",
        (ConditionSplitStep, FlowBranches.Yes) => "Yes",
        (ConditionSplitStep, FlowBranches.No) => "No",
        (RandomSplitStep r, _) => r.Arms.FirstOrDefault(a => a.Label == branch) is { } arm
            ? $"{arm.Label} ({Share(arm.Weight, r.Arms.Sum(a => a.Weight))})" + (arm.Steps.Count == 0 ? " — no message" : "")
            : branch,
        _ => branch,
    };

    public static string Status(FlowStatus status) => status switch
    {
        FlowStatus.Draft => "Draft",
        FlowStatus.Live => "Live",
        FlowStatus.Paused => "Paused",
        FlowStatus.Archived => "Archived",
        _ => status.ToString(),
    };

    /// <summary>Minutes as the largest whole unit: "45 minutes", "1 hour", "2 days".</summary>
    public static string Duration(int minutes) => minutes switch
    {
        _ when minutes % (24 * 60) == 0 => Plural(minutes / (24 * 60), "day"),
        _ when minutes % 60 == 0 => Plural(minutes / 60, "hour"),
        _ => Plural(minutes, "minute"),
    };

    public static string Event(EventMatch match) =>
        $"“{match.EventType}”" + (match.Filters.Count == 0 ? "" : " where " + string.Join(" and ", match.Filters.Select(Filter)));

    /// <summary>"does “10 % off” (experiment “Spring offers”) pay for the customer (predicted gain above 0)".</summary>
    public static string OfferGain(OfferGainCondition gain, string? offerName) =>
        $"does {offerName ?? $"offer #{gain.VariantId} of experiment #{gain.ExperimentId}"} pay for the customer (predicted gain above {gain.GainAbove.ToString("0.##", CultureInfo.InvariantCulture)})";

    public static string Rule(SegmentRule rule) => rule.Root switch
    {
        RuleCondition c => Condition(c),
        RuleGroup { Children: [RuleCondition only] } => Condition(only),
        RuleGroup g => $"a rule of {g.Children.Count} parts",
        _ => "an empty rule",
    };

    private static string Condition(RuleCondition c)
    {
        var field = RuleFields.Find(c.Field);
        var label = field?.Label.Split(" (")[0] ?? c.Field;
        var op = RuleOperators.Labels.GetValueOrDefault(c.Operator, c.Operator);
        var value = c.Value is { } v ? field?.LabelOf(v) ?? v : c.Values is { } vs ? string.Join(", ", vs) : "";
        return $"{label}{(c.Key is { } key ? $" “{key}”" : "")} {op} {value}".TrimEnd();
    }

    private static string Filter(PropertyFilter f) => f.Operator switch
    {
        PropertyOperator.Equals => $"{f.Property} is “{f.Value}”",
        PropertyOperator.NotEquals => $"{f.Property} is not “{f.Value}”",
        PropertyOperator.Contains => $"{f.Property} contains “{f.Value}”",
        PropertyOperator.GreaterThan => $"{f.Property} > {f.Value}",
        PropertyOperator.LessThan => $"{f.Property} < {f.Value}",
        PropertyOperator.Exists => $"{f.Property} is present",
        _ => f.Property,
    };

    private static string Offset(int days) => days switch
    {
        0 => "On",
        < 0 => $"{Plural(-days, "day")} before",
        _ => $"{Plural(days, "day")} after",
    };

    private static string Share(int weight, int total) => total <= 0 ? "" : $"{Math.Round(100.0 * weight / total):0} %";

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n:N0} {unit}s";
}
