using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>The outcome of reading rule JSON: either a valid <see cref="Rule"/> or an <see cref="Error"/> saying what is wrong and where.</summary>
public sealed record SegmentRuleParseResult(SegmentRule? Rule, string? Error)
{
    public bool IsValid => Rule is not null;
}

/// <summary>Reads and writes <see cref="SegmentRule"/> as the versioned JSON stored in <see cref="Segment.RuleJson"/>.</summary>
public static class SegmentRuleJson
{
    /// <summary>Longest rule JSON accepted; 200 conditions fit comfortably.</summary>
    public const int MaxLength = 256 * 1024;

    private static readonly JsonSerializerOptions _options = new(JsonSerializerDefaults.Web)
    {
        // Misspelt or invented properties are refused instead of silently ignored.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = (SegmentRuleValidator.MaxDepth * 2) + 8,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>Writes the rule as compact JSON (camelCase, "type" discriminators, nulls left out).</summary>
    public static string Serialize(SegmentRule rule) => JsonSerializer.Serialize(rule, _options);

    /// <summary>Reads and validates rule JSON. Never throws for bad input: malformed or invalid rules come back with an error message.</summary>
    public static SegmentRuleParseResult Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new(null, "The rule is empty.");
        }

        if (json.Length > MaxLength)
        {
            return new(null, $"The rule is too large ({json.Length:N0} characters; at most {MaxLength:N0}).");
        }

        SegmentRule? rule;
        try
        {
            rule = JsonSerializer.Deserialize<SegmentRule>(json, _options);
        }
        catch (JsonException ex)
        {
            return new(null, Describe(ex));
        }
        catch (NotSupportedException ex)
        {
            return new(null, $"The rule JSON is not a rule: {ex.Message}");
        }

        return SegmentRuleValidator.Validate(rule) is { } error ? new(null, error) : new(rule, null);
    }

    /// <summary>
    /// Reads rule JSON that may still be unfinished (a condition without its value), as the builder's live count takes it:
    /// well-formed JSON comes back as a rule, to be counted with <see cref="RuleDraft.Countable"/>; malformed JSON with an error.
    /// </summary>
    public static SegmentRuleParseResult ReadDraft(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new(null, "The rule is empty.");
        }

        if (json.Length > MaxLength)
        {
            return new(null, $"The rule is too large ({json.Length:N0} characters; at most {MaxLength:N0}).");
        }

        try
        {
            return JsonSerializer.Deserialize<SegmentRule>(json, _options) is { } rule ? new(rule, null) : new(null, "The rule is empty.");
        }
        catch (JsonException ex)
        {
            return new(null, Describe(ex));
        }
        catch (NotSupportedException ex)
        {
            return new(null, $"The rule JSON is not a rule: {ex.Message}");
        }
    }

    private static string Describe(JsonException ex)
    {
        var where = ex.LineNumber is { } line
            ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" + (string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" ({ex.Path})")
            : "";

        // The serializer's own message names CLR types; keep only its first sentence, which says what was wrong.
        var reason = ex.Message.Split(" Path: ")[0].Split(". LineNumber")[0];
        if (ex.InnerException is JsonException or InvalidOperationException or FormatException)
        {
            reason = ex.InnerException.Message.Split(" LineNumber")[0];
        }

        return $"The rule JSON is malformed{where}: {reason.TrimEnd('.')}.";
    }
}

/// <summary>Reads a JSON string, number or boolean as text, so "value": 42 and "value": "42" mean the same.</summary>
internal sealed class ScalarAsStringConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadScalar(ref reader);

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    internal static string? ReadScalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray()),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => throw new JsonException("A value must be text, a number or true/false."),
    };
}

/// <summary>Reads a JSON array of strings, numbers or booleans as a list of text.</summary>
internal sealed class ScalarListAsStringsConverter : JsonConverter<IReadOnlyList<string>?>
{
    public override bool HandleNull => true;

    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("\"values\" must be a list, e.g. [\"DE\", \"AT\"].");
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(ScalarAsStringConverter.ReadScalar(ref reader) ?? throw new JsonException("A list may not contain null."));
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string>? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        foreach (var v in value)
        {
            writer.WriteStringValue(v);
        }

        writer.WriteEndArray();
    }
}
