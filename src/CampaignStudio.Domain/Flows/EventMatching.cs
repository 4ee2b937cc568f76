using System.Globalization;
using System.Text.Json;

namespace CampaignStudio.Domain.Flows;

/// <summary>Whether an event (its type and its JSON properties) matches an <see cref="EventMatch"/> of a trigger, goal or wait.</summary>
public static class EventMatching
{
    public static bool Matches(EventMatch match, string type, string? propertiesJson)
    {
        if (!string.Equals(match.EventType, type, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (match.Filters.Count == 0)
        {
            return true;
        }

        Dictionary<string, JsonElement> properties;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(propertiesJson) ? "{}" : propertiesJson);
            properties = doc.RootElement.ValueKind == JsonValueKind.Object
                ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase)
                : [];
        }
        catch (JsonException)
        {
            // Properties that are not JSON match no condition.
            properties = [];
        }

        return match.Filters.All(f => Holds(f, properties));
    }

    private static bool Holds(PropertyFilter filter, Dictionary<string, JsonElement> properties)
    {
        var found = properties.TryGetValue(filter.Property, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
        if (filter.Operator == PropertyOperator.Exists)
        {
            return found;
        }

        var text = !found ? null : value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        return filter.Operator switch
        {
            // "Not equals" is the complement of "equals", so a missing property is "not equal".
            PropertyOperator.Equals => text is not null && string.Equals(text, filter.Value, StringComparison.OrdinalIgnoreCase),
            PropertyOperator.NotEquals => !(text is not null && string.Equals(text, filter.Value, StringComparison.OrdinalIgnoreCase)),
            PropertyOperator.Contains => text is not null && filter.Value is not null && text.Contains(filter.Value, StringComparison.OrdinalIgnoreCase),
            PropertyOperator.GreaterThan => Number(text) is { } n && Number(filter.Value) is { } v && n > v,
            PropertyOperator.LessThan => Number(text) is { } n2 && Number(filter.Value) is { } v2 && n2 < v2,
            _ => false,
        };
    }

    private static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) ? n : null;
}
