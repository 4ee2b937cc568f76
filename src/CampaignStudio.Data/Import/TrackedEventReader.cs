using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Data.Import;

/// <summary>One event of a request as read: the event when it may be stored, else why not (in words); its id when it had one.</summary>
public sealed record TrackedEventRead(TrackedEvent? Event, string? EventId, string? Refusal);

/// <summary>
/// A request's events as read (<see cref="Items"/>, in order), or what is wrong with the request as a whole
/// (<see cref="Problem"/>; <see cref="TooLarge"/> when it holds more than <see cref="TrackedEvents.MaxBatch"/> events).
/// </summary>
public sealed record TrackedEventRequest(IReadOnlyList<TrackedEventRead> Items, string? Problem = null, bool TooLarge = false)
{
    public static TrackedEventRequest Refused(string problem, bool tooLarge = false) => new([], problem, tooLarge);
}

/// <summary>
/// Reads the events a shop sends as they happen (<c>POST /api/events</c>, decision 052) into <see cref="TrackedEvent"/>s for
/// <see cref="TrackedEventWriter"/>: one event object or <c>{"events": [...]}</c>; per event the id, the lower_snake type,
/// the customer, a client time with an offset within the bounds of <see cref="TrackedEvents.TimeRefusal"/>, and properties
/// as a JSON object of limited size. A bad event is refused alone, with the reason in words; the endpoint only answers.
/// </summary>
public static partial class TrackedEventReader
{
    /// <summary>Reads a request body; <paramref name="now"/> is the studio's clock, the bounds those of the settings.</summary>
    public static TrackedEventRequest Read(JsonElement root, DateTimeOffset now, TimeSpan maxClockSkew, TimeSpan maxAge)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return TrackedEventRequest.Refused("Send one event object or {\"events\": [...]}.");
        }

        List<JsonElement> items;
        if (root.TryGetProperty("events", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                return TrackedEventRequest.Refused("events must be a non-empty array of event objects.");
            }

            if (list.GetArrayLength() > TrackedEvents.MaxBatch)
            {
                return TrackedEventRequest.Refused(
                    $"A request holds at most {TrackedEvents.MaxBatch:N0} events; this one has {list.GetArrayLength():N0}. Send them in several requests; nothing was stored.",
                    tooLarge: true);
            }

            items = [.. list.EnumerateArray()];
        }
        else
        {
            items = [root];
        }

        return new TrackedEventRequest(items.Select(item => ReadEvent(item, now, maxClockSkew, maxAge)).ToList());
    }

    /// <summary>Reads one event; what is wrong with it is said in words and concerns this event only.</summary>
    public static TrackedEventRead ReadEvent(JsonElement item, DateTimeOffset now, TimeSpan maxClockSkew, TimeSpan maxAge)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return new(null, null, "an event must be a JSON object");
        }

        string? Text(string name, out string? problem)
        {
            problem = null;
            if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                problem = $"{name} must be a string";
                return null;
            }

            var text = value.GetString()!.Trim();
            return text.Length == 0 ? null : text;
        }

        var eventId = Text("eventId", out var problem);
        if (problem is not null || eventId is null)
        {
            return new(null, null, problem ?? "eventId is missing (your own id for this event; a retry sends the same id)");
        }

        if (eventId.Length > TrackedEvents.MaxEventId)
        {
            return new(null, null, $"eventId is longer than {TrackedEvents.MaxEventId} characters");
        }

        var type = Text("type", out problem);
        if (problem is not null || type is null)
        {
            return new(null, eventId, problem ?? "type is missing (e.g. added_to_cart)");
        }

        if (!TrackedEvents.IsTypeName(type))
        {
            return new(null, eventId, $"type '{Shorten(type)}' is not a lower_snake name of at most {Limits.EventType} characters (e.g. added_to_cart)");
        }

        var email = Text("email", out problem);
        var externalId = problem is null ? Text("externalId", out problem) : null;
        if (problem is not null)
        {
            return new(null, eventId, problem);
        }

        if (email is null && externalId is null)
        {
            return new(null, eventId, "the customer is missing: give email or externalId");
        }

        var occurredAt = now;
        if (Text("occurredAt", out problem) is { } time)
        {
            if (!WithOffset().IsMatch(time) || !DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.None, out occurredAt))
            {
                return new(null, eventId, $"occurredAt '{Shorten(time)}' is not an ISO-8601 time with an offset (e.g. 2026-06-15T09:30:00Z or 2026-06-15T11:30:00+02:00)");
            }

            if (TrackedEvents.TimeRefusal(occurredAt, now, maxClockSkew, maxAge) is { } refusal)
            {
                return new(null, eventId, refusal);
            }
        }
        else if (problem is not null)
        {
            return new(null, eventId, problem);
        }

        string? properties = null;
        if (item.TryGetProperty("properties", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                return new(null, eventId, "properties must be a JSON object");
            }

            properties = JsonSerializer.Serialize(value);
            if (Encoding.UTF8.GetByteCount(properties) > TrackedEvents.MaxPropertiesBytes)
            {
                return new(null, eventId, $"properties are larger than {TrackedEvents.MaxPropertiesBytes / 1024} KB");
            }
        }

        return new(new TrackedEvent(eventId, type, email, externalId, occurredAt.UtcDateTime, properties), eventId, null);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    [GeneratedRegex(@"(Z|z|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex WithOffset();
}
