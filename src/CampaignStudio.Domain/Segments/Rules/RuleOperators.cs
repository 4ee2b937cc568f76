namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>The operator keys a condition may use. Each field allows a subset (see <see cref="RuleField.Operators"/>).</summary>
public static class RuleOperators
{
    public const string EqualTo = "equals";
    public const string NotEqualTo = "not_equals";
    public const string Contains = "contains";
    public const string NotContains = "not_contains";
    public const string StartsWith = "starts_with";
    public const string In = "in";
    public const string NotIn = "not_in";
    public const string Between = "between";
    public const string IsEmpty = "is_empty";
    public const string IsNotEmpty = "is_not_empty";
    public const string GreaterThan = "gt";
    public const string AtLeast = "gte";
    public const string LessThan = "lt";
    public const string AtMost = "lte";
    public const string Before = "before";
    public const string After = "after";
    public const string WithinLastDays = "within_last_days";
    public const string NotWithinLastDays = "not_within_last_days";
    public const string Did = "did";
    public const string DidNot = "did_not";
    public const string MemberOf = "member_of";
    public const string NotMemberOf = "not_member_of";

    /// <summary>Labels in the marketer's words, for the builder's operator menus.</summary>
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [EqualTo] = "is",
        [NotEqualTo] = "is not",
        [Contains] = "contains",
        [NotContains] = "does not contain",
        [StartsWith] = "starts with",
        [In] = "is one of",
        [NotIn] = "is none of",
        [Between] = "is between",
        [IsEmpty] = "is empty",
        [IsNotEmpty] = "is not empty",
        [GreaterThan] = "is more than",
        [AtLeast] = "is at least",
        [LessThan] = "is less than",
        [AtMost] = "is at most",
        [Before] = "is before",
        [After] = "is after",
        [WithinLastDays] = "is within the last",
        [NotWithinLastDays] = "is not within the last",
        [Did] = "did",
        [DidNot] = "did not",
        [MemberOf] = "is in segment",
        [NotMemberOf] = "is not in segment",
    };

    /// <summary>The negative operators and the positive operator each one is the exact complement of.</summary>
    public static readonly IReadOnlyDictionary<string, string> Complements = new Dictionary<string, string>
    {
        [NotEqualTo] = EqualTo,
        [NotContains] = Contains,
        [NotIn] = In,
        [IsNotEmpty] = IsEmpty,
        [NotWithinLastDays] = WithinLastDays,
        [DidNot] = Did,
        [NotMemberOf] = MemberOf,
    };

    /// <summary>Operators that compare with one <see cref="RuleCondition.Value"/>.</summary>
    public static bool NeedsValue(string op) => op is EqualTo or NotEqualTo or Contains or NotContains or StartsWith
        or GreaterThan or AtLeast or LessThan or AtMost or Before or After or MemberOf or NotMemberOf;

    /// <summary>Operators that compare with <see cref="RuleCondition.Values"/>.</summary>
    public static bool NeedsValues(string op) => op is In or NotIn or Between;
}
