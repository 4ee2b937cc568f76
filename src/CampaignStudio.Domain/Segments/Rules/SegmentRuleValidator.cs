using System.Globalization;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;

namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>
/// Checks a rule against the allow-lists and limits before anything is compiled: fields, operators, value types,
/// nesting depth and size. The first problem is reported in words a marketer can act on, with where it is.
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

    /// <summary>Returns null when the rule is valid, else the first problem found.</summary>
    public static string? Validate(SegmentRule? rule)
    {
        if (rule is null)
        {
            return "The rule is empty.";
        }

        if (rule.Version != SegmentRule.CurrentVersion)
        {
            return $"Rule version {rule.Version} is not supported: this studio reads version {SegmentRule.CurrentVersion}.";
        }

        if (rule.Root is null)
        {
            return "The rule has no root group or condition.";
        }

        var conditions = 0;
        return Check(rule.Root, "$.root", 1, ref conditions);
    }

    /// <summary>The same check, throwing a <see cref="SegmentRuleException"/> with the problem.</summary>
    public static void ThrowIfInvalid(SegmentRule? rule)
    {
        if (Validate(rule) is { } error)
        {
            throw new SegmentRuleException(error);
        }
    }

    private static string? Check(RuleNode node, string path, int depth, ref int conditions)
    {
        if (depth > MaxDepth)
        {
            return $"The rule nests groups deeper than {MaxDepth} levels (at {path}).";
        }

        switch (node)
        {
            case RuleGroup group:
                if (!Enum.IsDefined(group.Operator))
                {
                    return $"Unknown group operator at {path}: use and, or or not.";
                }

                if (group.Children is not { Count: > 0 })
                {
                    return $"The {group.Operator.ToString().ToUpperInvariant()} group at {path} has no conditions.";
                }

                for (var i = 0; i < group.Children.Count; i++)
                {
                    if (group.Children[i] is not { } child)
                    {
                        return $"Empty entry at {path}.children[{i}].";
                    }

                    if (Check(child, $"{path}.children[{i}]", depth + 1, ref conditions) is { } error)
                    {
                        return error;
                    }
                }

                return null;

            case RuleCondition condition:
                if (++conditions > MaxConditions)
                {
                    return $"The rule has more than {MaxConditions} conditions.";
                }

                return CheckCondition(condition) is { } problem ? $"{problem} (at {path})" : null;

            default:
                return $"Unknown node at {path}.";
        }
    }

    private static string? CheckCondition(RuleCondition c)
    {
        if (RuleFields.Find(c.Field) is not { } field)
        {
            return $"Unknown field '{Shorten(c.Field)}'. Known fields: {string.Join(", ", RuleFields.All.Select(f => f.Key))}";
        }

        if (c.Operator is null || !field.Operators.Contains(c.Operator))
        {
            return $"Operator '{Shorten(c.Operator)}' is not allowed for field '{field.Key}'. Allowed: {string.Join(", ", field.Operators)}";
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
                return $"Operator '{op}' compares with one value: use \"value\", not \"values\".";
            }

            return CheckValue(field, op, c.Value);
        }

        if (NeedsValues(op))
        {
            if (c.Value is not null)
            {
                return $"Operator '{op}' compares with a list: use \"values\", not \"value\".";
            }

            return CheckValues(field, op, c.Values);
        }

        return c.Value is not null || c.Values is not null ? $"Operator '{op}' takes no value." : null;
    }

    private static string? CheckKey(RuleField field, RuleCondition c)
    {
        if (field.KeyLabel is null)
        {
            return c.Key is null ? null : $"Field '{field.Key}' takes no key.";
        }

        if (string.IsNullOrWhiteSpace(c.Key))
        {
            return $"Field '{field.Key}' needs a key: the {field.KeyLabel.ToLowerInvariant()}.";
        }

        if (field.KeyIsInteger)
        {
            return int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null : $"The {field.KeyLabel.ToLowerInvariant()} must be an id (a whole number), not '{Shorten(c.Key)}'.";
        }

        // Attribute names become a JSON path inside SQL (as a parameter); quotes and control characters have no business there.
        if (c.Key.Length > Limits.AttributeKey || c.Key.Any(ch => ch is '"' or '\\' || char.IsControl(ch)))
        {
            return $"The {field.KeyLabel.ToLowerInvariant()} '{Shorten(c.Key)}' is not valid: at most {Limits.AttributeKey} characters, no quotes or backslashes.";
        }

        return null;
    }

    private static string? CheckWindow(RuleField field, RuleCondition c)
    {
        var needsDays = c.Operator is WithinLastDays or NotWithinLastDays;
        if (c.Days is { } days)
        {
            if (!needsDays && !field.AllowsDays)
            {
                return $"Field '{field.Key}' with operator '{c.Operator}' takes no number of days.";
            }

            if (days < 1 || days > MaxDays)
            {
                return $"The number of days must be between 1 and {MaxDays}, not {days}.";
            }
        }
        else if (needsDays)
        {
            return $"Operator '{c.Operator}' needs the number of days (\"days\").";
        }

        if (c.Count is { } count)
        {
            if (field.Key != RuleFields.Event)
            {
                return $"Field '{field.Key}' takes no count.";
            }

            if (count < 1 || count > 1_000_000)
            {
                return $"The number of times must be between 1 and 1000000, not {count}.";
            }
        }

        return null;
    }

    private static string? CheckValues(RuleField field, string op, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return $"Operator '{op}' needs a list of values (\"values\").";
        }

        if (op == Between)
        {
            if (values.Count != 2)
            {
                return $"Operator 'between' needs exactly two values (from, to), not {values.Count}.";
            }

            foreach (var v in values)
            {
                if (CheckValue(field, op, v) is { } error)
                {
                    return error;
                }
            }

            return Compare(field.Kind, values[0], values[1]) > 0 ? $"The range {values[0]}–{values[1]} is empty: the first value must not be larger than the second." : null;
        }

        if (values.Count > MaxListValues)
        {
            return $"A list may hold at most {MaxListValues} values, not {values.Count}.";
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

    private static string? CheckValue(RuleField field, string op, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"Operator '{op}' on field '{field.Key}' needs a value; to find missing values use 'is_empty'.";
        }

        if (op is MemberOf or NotMemberOf)
        {
            return IsInteger(value) ? null : $"A segment is named by its id (a whole number), not '{Shorten(value)}'.";
        }

        return field.Kind switch
        {
            RuleValueKind.Text => value.Length > Limits.AttributeValue ? $"A value may be at most {Limits.AttributeValue} characters long." : null,
            RuleValueKind.Integer => CheckInteger(field, value),
            RuleValueKind.Number => TryNumber(value, out _) ? null : $"Field '{field.Key}' needs a number like 12.50, not '{Shorten(value)}'.",
            RuleValueKind.Date => TryDate(value, out _) ? null : $"Field '{field.Key}' needs a date as yyyy-MM-dd, not '{Shorten(value)}'.",
            RuleValueKind.Enum => field.EnumValues!.Contains(value, StringComparer.Ordinal) ? null : $"Field '{field.Key}' needs one of {string.Join(", ", field.EnumValues!)}, not '{Shorten(value)}'.",
            _ => $"Field '{field.Key}' has an unknown value kind.",
        };
    }

    private static string? CheckInteger(RuleField field, string value)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return $"Field '{field.Key}' needs a whole number, not '{Shorten(value)}'.";
        }

        return number < field.MinValue || number > field.MaxValue
            ? $"Field '{field.Key}' takes a whole number from {field.MinValue} to {field.MaxValue}, not {number}."
            : null;
    }

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
