using System.Globalization;
using CampaignStudio.Domain.Wording;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;

namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>
/// Checks a rule against the allow-lists and limits before anything is compiled: fields, operators, value types,
/// nesting depth and size. The first problem is reported twice: for API clients with field keys and the JSON path
/// (<see cref="RuleProblem.Message"/>), and for the builder in the marketer's words with the condition it is about
/// (<see cref="RuleProblem.ForMarketer"/>: "Condition 2 (Country) in “Any of these match”: enter a value").
/// </summary>
public static class SegmentRuleValidator
{
    /// <summary>Groups may nest this deep (the top node is level 1).</summary>
    public const int MaxDepth = 10;

    /// <summary>A rule may hold at most this many conditions.</summary>
    public const int MaxConditions = 200;

    /// <summary>An "is one of" list may hold at most this many values.</summary>
    public const int MaxListValues = 500;

    /// <summary>Time windows are limited to a hundred years.</summary>
    public const int MaxDays = 36_500;

    /// <summary>Returns null when the rule is valid, else the first problem found, worded for API clients (field keys, JSON path).</summary>
    public static string? Validate(SegmentRule? rule) => Check(rule)?.Message;

    /// <summary>The first problem of the rule (both wordings and where it is), or null when the rule is valid.</summary>
    public static RuleProblem? Check(SegmentRule? rule)
    {
        if (rule is null)
        {
            return new RuleProblem("The rule is empty.", "add a condition", "", IsIncomplete: true);
        }

        if (rule.Version != SegmentRule.CurrentVersion)
        {
            var message = $"Rule version {rule.Version} is not supported: this studio reads version {SegmentRule.CurrentVersion}.";
            return new RuleProblem(message, message, "");
        }

        if (rule.Root is null)
        {
            return new RuleProblem("The rule has no root group or condition.", "add a condition", "", IsIncomplete: true);
        }

        var conditions = 0;
        return Check(rule.Root, new RulePosition("$.root", null, 0, 1), ref conditions);
    }

    /// <summary>The same check, throwing a <see cref="SegmentRuleException"/> with the problem.</summary>
    public static void ThrowIfInvalid(SegmentRule? rule)
    {
        if (Validate(rule) is { } error)
        {
            throw new SegmentRuleException(error);
        }
    }

    /// <summary>
    /// What is wrong with one condition on its own (field, operator, key, window and values), or null when it is fine.
    /// <see cref="ConditionProblem.IsIncomplete"/> tells a part not filled in yet from a part filled in wrongly.
    /// </summary>
    public static ConditionProblem? CheckCondition(RuleCondition c)
    {
        if (RuleFields.Find(c.Field) is not { } field)
        {
            return new($"Unknown field '{Shorten(c.Field)}'. Known fields: {string.Join(", ", RuleFields.All.Select(f => f.Key))}", "choose a field from the list",
                IsIncomplete: string.IsNullOrEmpty(c.Field));
        }

        if (c.Operator is null || !field.Operators.Contains(c.Operator))
        {
            return new($"Operator '{Shorten(c.Operator)}' is not allowed for field '{field.Key}'. Allowed: {string.Join(", ", field.Operators)}",
                $"choose how to compare: {string.Join(", ", field.Operators.Select(o => Quote(Labels[o])))}", IsIncomplete: string.IsNullOrEmpty(c.Operator));
        }

        if (CheckKey(field, c) is { } keyError)
        {
            return keyError;
        }

        if (CheckWindow(field, c) is { } windowError)
        {
            return windowError;
        }

        var op = c.Operator;
        if (NeedsValue(op))
        {
            if (c.Values is not null)
            {
                return new($"Operator '{op}' compares with one value: use \"value\", not \"values\".", $"{Quote(Labels[op])} compares with one value, not a list");
            }

            return CheckValue(field, op, c.Value);
        }

        if (NeedsValues(op))
        {
            if (c.Value is not null)
            {
                return new($"Operator '{op}' compares with a list: use \"values\", not \"value\".", $"{Quote(Labels[op])} compares with a list of values");
            }

            return CheckValues(field, op, c.Values);
        }

        return c.Value is not null || c.Values is not null ? new($"Operator '{op}' takes no value.", $"{Quote(Labels[op])} takes no value: remove it") : null;
    }

    private static RuleProblem? Check(RuleNode node, RulePosition at, ref int conditions)
    {
        if (at.Depth > MaxDepth)
        {
            return new($"The rule nests groups deeper than {MaxDepth} levels (at {at.Path}).",
                $"groups nest deeper than {MaxDepth} levels: move some conditions up a level", Where(at, node));
        }

        switch (node)
        {
            case RuleGroup group:
                if (!Enum.IsDefined(group.Operator))
                {
                    return new($"Unknown group operator at {at.Path}: use and, or or not.", "choose how the group combines its conditions", Where(at, node));
                }

                if (group.Children is not { Count: > 0 })
                {
                    return new($"The {group.Operator.ToString().ToUpperInvariant()} group at {at.Path} has no conditions.",
                        at.Parent is null ? "add a condition" : "add a condition, or remove the group",
                        Where(at, node), IsIncomplete: true);
                }

                for (var i = 0; i < group.Children.Count; i++)
                {
                    var childAt = at.Child(group, i);
                    if (group.Children[i] is not { } child)
                    {
                        return new($"Empty entry at {childAt.Path}.", "remove the empty entry", Where(at, node));
                    }

                    if (Check(child, childAt, ref conditions) is { } error)
                    {
                        return error;
                    }
                }

                return null;

            case RuleCondition condition:
                if (++conditions > MaxConditions)
                {
                    return new($"The rule has more than {MaxConditions} conditions.", $"a rule may hold at most {MaxConditions} conditions", "");
                }

                return CheckCondition(condition) is { } problem
                    ? new($"{problem.Message} (at {at.Path})", problem.Plain, Where(at, node), problem.IsIncomplete)
                    : null;

            default:
                return new($"Unknown node at {at.Path}.", "remove the unknown entry", "");
        }
    }

    /// <summary>
    /// Where a node is, in the builder's words: "Condition 2 (Country) in “Any of these match”". A condition or group
    /// inside a nested group also names that group's place in its parent ("… in group 3, “Any of these match”").
    /// </summary>
    internal static string Where(RulePosition at, RuleNode node)
    {
        var what = node switch
        {
            RuleCondition c => $"{(at.Parent is null ? "The condition" : $"Condition {at.Index + 1}")}{(RuleFields.Find(c.Field) is { } f ? $" ({f.Label})" : "")}",
            RuleGroup g when at.Parent is null => $"The top group “{DisplayNames.Of(g.Operator)}”",
            RuleGroup g => $"Group {at.Index + 1} “{DisplayNames.Of(g.Operator)}”",
            _ => $"Entry {at.Index + 1}",
        };

        if (at.Parent is not { } parent)
        {
            return what;
        }

        var container = parent.Parent is null
            ? $"“{DisplayNames.Of(parent.Group!.Operator)}”"
            : $"group {parent.Index + 1}, “{DisplayNames.Of(parent.Group!.Operator)}”";
        return $"{what} in {container}";
    }

    private static ConditionProblem? CheckKey(RuleField field, RuleCondition c)
    {
        if (field.KeyLabel is null)
        {
            return c.Key is null ? null : new($"Field '{field.Key}' takes no key.", "takes no name: remove it");
        }

        var keyLabel = field.KeyLabel.ToLowerInvariant();
        if (string.IsNullOrWhiteSpace(c.Key))
        {
            return new($"Field '{field.Key}' needs a key: the {keyLabel}.", field.KeyIsInteger ? $"choose the {keyLabel}" : $"enter the {keyLabel}", IsIncomplete: true);
        }

        if (field.KeyIsInteger)
        {
            return int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? null
                : new($"The {keyLabel} must be an id (a whole number), not '{Shorten(c.Key)}'.", $"choose the {keyLabel} from the list");
        }

        // Attribute names become a JSON path inside SQL (as a parameter); quotes and control characters have no business there.
        if (c.Key.Length > Limits.AttributeKey || c.Key.Any(ch => ch is '"' or '\\' || char.IsControl(ch)))
        {
            return new($"The {keyLabel} '{Shorten(c.Key)}' is not valid: at most {Limits.AttributeKey} characters, no quotes or backslashes.",
                $"the {keyLabel} may have at most {Limits.AttributeKey} characters and no quotes or backslashes");
        }

        return null;
    }

    private static ConditionProblem? CheckWindow(RuleField field, RuleCondition c)
    {
        var needsDays = c.Operator is WithinLastDays or NotWithinLastDays;
        if (c.Days is { } days)
        {
            if (!needsDays && !field.AllowsDays)
            {
                return new($"Field '{field.Key}' with operator '{c.Operator}' takes no number of days.", "takes no number of days: remove it");
            }

            if (days < 1 || days > MaxDays)
            {
                return new($"The number of days must be between 1 and {MaxDays}, not {days}.", $"the number of days must be between 1 and {MaxDays:N0}, not {days:N0}");
            }
        }
        else if (needsDays)
        {
            return new($"Operator '{c.Operator}' needs the number of days (\"days\").", "enter the number of days", IsIncomplete: true);
        }

        if (c.Count is { } count)
        {
            if (field.Key != RuleFields.Event)
            {
                return new($"Field '{field.Key}' takes no count.", "takes no number of times: remove it");
            }

            if (count < 1 || count > 1_000_000)
            {
                return new($"The number of times must be between 1 and 1000000, not {count}.", $"the number of times must be between 1 and 1,000,000, not {count:N0}");
            }
        }

        return null;
    }

    private static ConditionProblem? CheckValues(RuleField field, string op, IReadOnlyList<string>? values)
    {
        if (op == Between)
        {
            // One bound typed so far ("10" on the way to "10, 100") is unfinished, not wrong.
            if (values is null || values.Count < 2)
            {
                return new(values is null || values.Count == 0 ? $"Operator '{op}' needs a list of values (\"values\")." : $"Operator 'between' needs exactly two values (from, to), not {values.Count}.",
                    "enter from and to, separated by a comma (e.g. 10, 100)", IsIncomplete: true);
            }

            if (values.Count != 2)
            {
                return new($"Operator 'between' needs exactly two values (from, to), not {values.Count}.", $"enter exactly two values, from and to, not {values.Count}");
            }

            foreach (var v in values)
            {
                if (CheckValue(field, op, v) is { } error)
                {
                    return error;
                }
            }

            return Compare(field.Kind, values[0], values[1]) > 0
                ? new($"The range {values[0]}–{values[1]} is empty: the first value must not be larger than the second.", $"the range {values[0]}–{values[1]} is empty: put the smaller value first")
                : null;
        }

        if (values is null || values.Count == 0)
        {
            return new($"Operator '{op}' needs a list of values (\"values\").", "enter one or more values, separated by commas", IsIncomplete: true);
        }

        if (values.Count > MaxListValues)
        {
            return new($"A list may hold at most {MaxListValues} values, not {values.Count}.", $"a list may hold at most {MaxListValues} values, not {values.Count:N0}");
        }

        foreach (var v in values)
        {
            if (CheckValue(field, op, v) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static ConditionProblem? CheckValue(RuleField field, string op, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            var pick = field.EnumValues is not null || op is MemberOf or NotMemberOf || field.Key == RuleFields.ExperimentArm;
            var hint = field.Operators.Contains(IsEmpty) && op is EqualTo or NotEqualTo ? $" (to find customers without one, use {Quote(Labels[IsEmpty])})" : "";
            return new($"Operator '{op}' on field '{field.Key}' needs a value; to find missing values use 'is_empty'.",
                $"{(pick ? "choose" : "enter")} a value{hint}", IsIncomplete: true);
        }

        if (op is MemberOf or NotMemberOf)
        {
            return IsInteger(value) ? null : new($"A segment is named by its id (a whole number), not '{Shorten(value)}'.", "choose a segment from the list");
        }

        return field.Kind switch
        {
            RuleValueKind.Text => value.Length > Limits.AttributeValue
                ? new($"A value may be at most {Limits.AttributeValue} characters long.", $"a value may be at most {Limits.AttributeValue} characters long")
                : null,
            RuleValueKind.Integer => CheckInteger(field, value),
            RuleValueKind.Number => TryNumber(value, out _)
                ? null
                : new($"Field '{field.Key}' needs a number like 12.50, not '{Shorten(value)}'.", $"enter an amount like 12.50 (a dot before the cents), not “{Shorten(value)}”"),
            RuleValueKind.Date => TryDate(value, out _)
                ? null
                : new($"Field '{field.Key}' needs a date as yyyy-MM-dd, not '{Shorten(value)}'.", $"enter a date as yyyy-mm-dd (e.g. 2025-03-31), not “{Shorten(value)}”"),
            RuleValueKind.Enum => field.EnumValues!.Contains(value, StringComparer.Ordinal)
                ? null
                : new($"Field '{field.Key}' needs one of {string.Join(", ", field.EnumValues!)}, not '{Shorten(value)}'.",
                    $"choose one of {string.Join(", ", field.EnumValues!.Select(v => Quote(field.LabelOf(v))))}"),
            _ => new($"Field '{field.Key}' has an unknown value kind.", "this field cannot be compared"),
        };
    }

    private static ConditionProblem? CheckInteger(RuleField field, string value)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return new($"Field '{field.Key}' needs a whole number, not '{Shorten(value)}'.", $"enter a whole number, not “{Shorten(value)}”");
        }

        return number < field.MinValue || number > field.MaxValue
            ? new($"Field '{field.Key}' takes a whole number from {field.MinValue} to {field.MaxValue}, not {number}.",
                $"enter a whole number from {field.MinValue} to {field.MaxValue}, not {number}")
            : null;
    }

    private static string Quote(string s) => $"“{s}”";

    private static int Compare(RuleValueKind kind, string a, string b) => kind switch
    {
        RuleValueKind.Integer or RuleValueKind.Number => TryNumber(a, out var x) && TryNumber(b, out var y) ? x.CompareTo(y) : 0,
        RuleValueKind.Date => TryDate(a, out var x) && TryDate(b, out var y) ? x.CompareTo(y) : 0,
        _ => 0,
    };

    private static bool IsInteger(string value) => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    /// <summary>Reads a number the way rules write it: invariant culture, a dot for decimals, no thousands separators.</summary>
    public static bool TryNumber(string? value, out decimal number) =>
        decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);

    /// <summary>Reads a date the way rules write it: yyyy-MM-dd.</summary>
    public static bool TryDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static string Shorten(string? s) => s is null ? "" : s.Length <= 60 ? s : s[..57] + "...";
}

/// <summary>A rule that cannot be used: invalid, referring to a missing segment, or referring to itself.</summary>
public sealed class SegmentRuleException(string message) : Exception(message);

/// <summary>What is wrong with one condition, worded for API clients (<paramref name="Message"/>) and for the builder (<paramref name="Plain"/>).</summary>
/// <param name="Message">With field and operator keys, e.g. "Operator 'equals' on field 'country' needs a value; …".</param>
/// <param name="Plain">In the marketer's words, lower case to follow "Condition 2 (Country): ", e.g. "enter a value".</param>
/// <param name="IsIncomplete">A part is not filled in yet (no value, no key, no days): the builder leaves such a condition
/// out of the live count instead of reporting an error; saving still needs it.</param>
public sealed record ConditionProblem(string Message, string Plain, bool IsIncomplete = false);

/// <summary>A problem in a rule: <see cref="Message"/> for API clients (keys and JSON path), <see cref="ForMarketer"/> for the builder.</summary>
/// <param name="Message">With field keys and the JSON path, e.g. "… needs a value; … (at $.root.children[1])".</param>
/// <param name="Plain">What to do, in words: "enter a value".</param>
/// <param name="Where">Which part of the rule, in words: "Condition 2 (Country) in “Any of these match”"; empty for the rule as a whole.</param>
/// <param name="IsIncomplete">Something is not filled in yet, rather than filled in wrongly.</param>
public sealed record RuleProblem(string Message, string Plain, string Where, bool IsIncomplete = false)
{
    /// <summary>"Condition 2 (Country) in “Any of these match”: enter a value" — no field keys, no JSON paths.</summary>
    public string ForMarketer => Where.Length == 0 ? Capitalize(Plain) + "." : $"{Where}: {Plain}.";

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>Where a node sits while a rule is walked: its JSON path, its parent group's position, its index there, its depth.</summary>
internal sealed record RulePosition(string Path, RulePosition? Parent, int Index, int Depth)
{
    /// <summary>The group at this position (set for positions that hold a group and have children walked).</summary>
    public RuleGroup? Group { get; init; }

    public RulePosition Child(RuleGroup group, int index) =>
        new($"{Path}.children[{index}]", this with { Group = group }, index, Depth + 1);
}
