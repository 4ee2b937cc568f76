using System.Text.Json.Serialization;

namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>
/// The rule of a rule segment: a versioned tree of groups and conditions, stored as JSON in <see cref="Segment.RuleJson"/>.
/// Build one in code or read one with <see cref="SegmentRuleJson.Parse"/>; check one with <see cref="SegmentRuleValidator.Validate"/>.
/// </summary>
public sealed record SegmentRule
{
    /// <summary>The rule format version this studio reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Format version of this rule; only <see cref="CurrentVersion"/> is understood.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The top group or condition.</summary>
    public RuleNode? Root { get; init; }
}

/// <summary>A node of a rule tree: a <see cref="RuleGroup"/> or a <see cref="RuleCondition"/> (JSON discriminator "type").</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(RuleGroup), "group")]
[JsonDerivedType(typeof(RuleCondition), "condition")]
public abstract record RuleNode;

/// <summary>How a group combines its children (JSON: "and", "or", "not").</summary>
public enum GroupOperator
{
    /// <summary>All of the children match.</summary>
    And,

    /// <summary>At least one of the children matches.</summary>
    Or,

    /// <summary>None of the children matches (for one child: the child does not match).</summary>
    Not,
}

/// <summary>A group of conditions and groups combined with AND, OR or NOT.</summary>
public sealed record RuleGroup(GroupOperator Operator, IReadOnlyList<RuleNode> Children) : RuleNode
{
    /// <summary>Structural equality: two groups are equal when their children are equal in order.</summary>
    public bool Equals(RuleGroup? other) =>
        other is not null && Operator == other.Operator && SequenceEqual(Children, other.Children);

    public override int GetHashCode() => HashCode.Combine(Operator, Children?.Count ?? 0);

    private static bool SequenceEqual(IReadOnlyList<RuleNode>? a, IReadOnlyList<RuleNode>? b) =>
        a is null || b is null ? a is null && b is null : a.SequenceEqual(b);
}

/// <summary>
/// One test on a customer, e.g. <c>country equals "DE"</c> or <c>event "email_click" did at least 2 times within 30 days</c>.
/// Which of the optional parts are needed depends on the field and operator (see <see cref="RuleFields"/> and <see cref="RuleOperators"/>).
/// </summary>
/// <param name="Field">A field key from <see cref="RuleFields"/>.</param>
/// <param name="Operator">An operator key from <see cref="RuleOperators"/>, allowed for the field.</param>
public sealed record RuleCondition(string Field, string Operator) : RuleNode
{
    /// <summary>What the field is about: the attribute name, the event type or the experiment id.</summary>
    public string? Key { get; init; }

    /// <summary>The one value compared with (text, number, date yyyy-MM-dd, enum name or id, always as text).</summary>
    [JsonConverter(typeof(ScalarAsStringConverter))]
    public string? Value { get; init; }

    /// <summary>The values of "in list" and the two bounds of "between".</summary>
    [JsonConverter(typeof(ScalarListAsStringsConverter))]
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>Time window in days: "within the last N days" and the window of purchase and event conditions.</summary>
    public int? Days { get; init; }

    /// <summary>How many times at least an event must have happened ("did ... at least N times").</summary>
    public int? Count { get; init; }

    /// <summary>Structural equality, including the list of values in order.</summary>
    public bool Equals(RuleCondition? other) =>
        other is not null && Field == other.Field && Operator == other.Operator && Key == other.Key && Value == other.Value
        && Days == other.Days && Count == other.Count
        && (Values is null || other.Values is null ? Values is null && other.Values is null : Values.SequenceEqual(other.Values));

    public override int GetHashCode() => HashCode.Combine(Field, Operator, Key, Value, Days, Count, Values?.Count ?? -1);
}
