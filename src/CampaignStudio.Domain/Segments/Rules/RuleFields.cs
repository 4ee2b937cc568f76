using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Wording;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;

namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>What kind of value a field compares with; decides how <see cref="RuleCondition.Value"/> is read.</summary>
public enum RuleValueKind
{
    Text,

    /// <summary>A whole number (years, counts, ids).</summary>
    Integer,

    /// <summary>A decimal number with a dot (money).</summary>
    Number,

    /// <summary>A calendar day, yyyy-MM-dd, in UTC.</summary>
    Date,

    /// <summary>One of <see cref="RuleField.EnumValues"/>.</summary>
    Enum,
}

/// <summary>Where the builder lists a field.</summary>
public enum RuleFieldCategory
{
    Profile,
    Purchases,
    Events,
    Consent,
    Experiments,
    Segments,
}

/// <summary>One field a condition may test: the allow-list entry used by validation, the SQL compiler and the builder UI.</summary>
/// <param name="Key">The key written in rule JSON, e.g. "country".</param>
/// <param name="Label">The marketer's name, e.g. "Country".</param>
/// <param name="Category">The builder's menu section.</param>
/// <param name="Kind">How the value is read.</param>
/// <param name="Operators">The operators allowed for this field.</param>
public sealed record RuleField(string Key, string Label, RuleFieldCategory Category, RuleValueKind Kind, IReadOnlyList<string> Operators)
{
    /// <summary>Label of <see cref="RuleCondition.Key"/> when the field needs one (attribute name, event type, experiment); null otherwise.</summary>
    public string? KeyLabel { get; init; }

    /// <summary>The key must be a whole number (an experiment id).</summary>
    public bool KeyIsInteger { get; init; }

    /// <summary>The condition may limit itself to the last <see cref="RuleCondition.Days"/> days.</summary>
    public bool AllowsDays { get; init; }

    /// <summary>The allowed values of an <see cref="RuleValueKind.Enum"/> field (enum member names, as stored in rule JSON).</summary>
    public IReadOnlyList<string>? EnumValues { get; init; }

    /// <summary>The marketer's words for each of <see cref="EnumValues"/> ("OptedIn" is "Opted in").</summary>
    public IReadOnlyDictionary<string, string>? EnumLabels { get; init; }

    /// <summary>The label of a value of this field: the enum value's words, else the value itself.</summary>
    public string LabelOf(string? value) => value is null ? "" : EnumLabels?.GetValueOrDefault(value) ?? value;

    /// <summary>The smallest value an <see cref="RuleValueKind.Integer"/> field accepts; null when any whole number goes.</summary>
    public int? MinValue { get; init; }

    /// <summary>The largest value an <see cref="RuleValueKind.Integer"/> field accepts; null when any whole number goes.</summary>
    public int? MaxValue { get; init; }
}

/// <summary>The allow-list of fields. Anything not listed here is refused before it can reach SQL.</summary>
public static class RuleFields
{
    public const string Email = "email";
    public const string FirstName = "first_name";
    public const string LastName = "last_name";
    public const string Country = "country";
    public const string City = "city";
    public const string Gender = "gender";
    public const string BirthYear = "birth_year";
    public const string Age = "age";
    public const string CreatedAt = "created_at";
    public const string Attribute = "attribute";
    public const string PurchaseCount = "purchase_count";
    public const string PurchaseTotal = "purchase_total";
    public const string PurchaseAverage = "purchase_average";
    public const string LastPurchase = "last_purchase";
    public const string PurchasedCategory = "purchased_category";
    public const string RfmRecency = "rfm_recency";
    public const string RfmFrequency = "rfm_frequency";
    public const string RfmMonetary = "rfm_monetary";
    public const string ChurnRisk = "churn_risk";
    public const string PredictedValue = "predicted_value";
    public const string Event = "event";
    public const string EmailConsent = "email_consent";
    public const string ExperimentArm = "experiment_arm";
    public const string Segment = "segment";

    private static readonly string[] _textOperators = [EqualTo, NotEqualTo, Contains, NotContains, StartsWith, In, NotIn, IsEmpty, IsNotEmpty];
    private static readonly string[] _amountOperators = [EqualTo, NotEqualTo, GreaterThan, AtLeast, LessThan, AtMost, Between];
    private static readonly string[] _yearOperators = [.. _amountOperators, IsEmpty, IsNotEmpty];
    private static readonly string[] _listOperators = [EqualTo, NotEqualTo, In, NotIn];
    private static readonly string[] _scoreOperators = [EqualTo, In, Between, AtLeast, AtMost];

    /// <summary>Every field, in the builder's order.</summary>
    public static readonly IReadOnlyList<RuleField> All =
    [
        new(Email, "E-mail address", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(FirstName, "First name", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(LastName, "Last name", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(Country, "Country", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(City, "City", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(Gender, "Gender", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators),
        new(BirthYear, "Year of birth", RuleFieldCategory.Profile, RuleValueKind.Integer, _yearOperators),
        new(Age, "Age (years, from the year of birth)", RuleFieldCategory.Profile, RuleValueKind.Integer, _yearOperators),
        new(CreatedAt, "Customer since", RuleFieldCategory.Profile, RuleValueKind.Date, [Before, After, Between, WithinLastDays, NotWithinLastDays]),
        new(Attribute, "Custom attribute", RuleFieldCategory.Profile, RuleValueKind.Text, _textOperators) { KeyLabel = "Attribute name" },
        new(PurchaseCount, "Number of purchases", RuleFieldCategory.Purchases, RuleValueKind.Integer, _amountOperators) { AllowsDays = true },
        new(PurchaseTotal, "Total spent", RuleFieldCategory.Purchases, RuleValueKind.Number, _amountOperators) { AllowsDays = true },
        new(PurchaseAverage, "Average order value", RuleFieldCategory.Purchases, RuleValueKind.Number, _amountOperators) { AllowsDays = true },
        new(LastPurchase, "Last purchase", RuleFieldCategory.Purchases, RuleValueKind.Date, [Before, After, WithinLastDays, NotWithinLastDays]),
        new(PurchasedCategory, "Bought from category", RuleFieldCategory.Purchases, RuleValueKind.Text, _listOperators) { AllowsDays = true },
        new(RfmRecency, "RFM recency score (1–5, 5 = bought most recently)", RuleFieldCategory.Purchases, RuleValueKind.Integer, _scoreOperators) { MinValue = 1, MaxValue = 5 },
        new(RfmFrequency, "RFM frequency score (1–5, 5 = buys most often)", RuleFieldCategory.Purchases, RuleValueKind.Integer, _scoreOperators) { MinValue = 1, MaxValue = 5 },
        new(RfmMonetary, "RFM monetary score (1–5, 5 = spent the most)", RuleFieldCategory.Purchases, RuleValueKind.Integer, _scoreOperators) { MinValue = 1, MaxValue = 5 },
        new(ChurnRisk, "Churn risk (%, chance the customer has already left)", RuleFieldCategory.Purchases, RuleValueKind.Integer, [GreaterThan, AtLeast, LessThan, AtMost, Between]) { MinValue = 0, MaxValue = 100 },
        new(PredictedValue, "Predicted value (12 months)", RuleFieldCategory.Purchases, RuleValueKind.Enum, _listOperators) { EnumValues = Enum.GetNames<Customers.PredictedValueBand>(), EnumLabels = LabelsOf<Customers.PredictedValueBand>() },
        new(Event, "Did an activity", RuleFieldCategory.Events, RuleValueKind.Text, [Did, DidNot]) { KeyLabel = "Activity type", AllowsDays = true },
        new(EmailConsent, "E-mail consent", RuleFieldCategory.Consent, RuleValueKind.Enum, _listOperators) { EnumValues = Enum.GetNames<ConsentStatus>(), EnumLabels = LabelsOf<ConsentStatus>() },
        new(ExperimentArm, "Experiment arm", RuleFieldCategory.Experiments, RuleValueKind.Integer, _listOperators) { KeyLabel = "Experiment", KeyIsInteger = true },
        new(Segment, "Segment membership", RuleFieldCategory.Segments, RuleValueKind.Integer, [MemberOf, NotMemberOf]),
    ];

    private static readonly Dictionary<string, RuleField> _byKey = All.ToDictionary(f => f.Key, StringComparer.Ordinal);

    private static Dictionary<string, string> LabelsOf<TEnum>()
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().ToDictionary(v => v.ToString(), v => DisplayNames.Of(v), StringComparer.Ordinal);

    /// <summary>The field with this key, or null when the key is not on the allow-list (keys are case-sensitive).</summary>
    public static RuleField? Find(string? key) => key is not null && _byKey.TryGetValue(key, out var field) ? field : null;
}
