namespace CampaignStudio.Domain.Segments;

/// <summary>
/// A value the rule builder offers for a text field, with how often it occurs, so the most common values come first
/// (cities and countries by customers, bought categories by purchases). Recounted with the customer stats after each
/// import (see docs/decisions/039-builder-wording-and-pick-lists.md); a value typed freely is always allowed too.
/// </summary>
public class SuggestedValue
{
    /// <summary>The fields that have suggestions (rule field keys).</summary>
    public static readonly IReadOnlyList<string> Fields = [Rules.RuleFields.City, Rules.RuleFields.Country, Rules.RuleFields.PurchasedCategory];

    /// <summary>The longest value kept (the longest of the suggested columns).</summary>
    public const int MaxValueLength = Limits.City > Limits.Category ? Limits.City : Limits.Category;

    /// <summary>The rule field the value belongs to, e.g. "city".</summary>
    public string Field { get; set; } = "";

    /// <summary>The value as stored, e.g. "Berlin".</summary>
    public string Value { get; set; } = "";

    /// <summary>Customers with the value (city, country) or purchases in it (category).</summary>
    public int Frequency { get; set; }
}
