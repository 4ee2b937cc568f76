using System.Text.RegularExpressions;

namespace CampaignStudio.Domain.Customers;

/// <summary>
/// The rules for events a shop sends as they happen (<c>POST /api/events</c>): what an event must carry and which
/// times are believed. One home for them, so the endpoint, the snippet's documentation and the tests agree.
/// </summary>
public static partial class TrackedEvents
{
    /// <summary>Longest event id a client may send; it is hashed into the 64-character source key.</summary>
    public const int MaxEventId = 200;

    /// <summary>Largest <c>properties</c> object, in bytes of compact UTF-8 JSON.</summary>
    public const int MaxPropertiesBytes = 16 * 1024;

    /// <summary>Most events in one request.</summary>
    public const int MaxBatch = 1_000;

    /// <summary>Marks source keys of events that came in through the API, apart from imported ones.</summary>
    public const string SourceKeyPrefix = "api:";

    /// <summary>A customer looked at a product; its <c>product</c> property names the catalogue's product id.</summary>
    public const string ViewedProduct = "viewed_product";

    /// <summary>The property names a product id is read from in shop events, in the order they are tried.</summary>
    public static readonly IReadOnlyList<string> ProductIdProperties = ["product", "product_id", "productId", "sku"];

    /// <summary>The four events a shop sends from its pages and checkout.</summary>
    public static readonly IReadOnlyList<string> ShopEventTypes = ["viewed_product", "added_to_cart", "checkout_started", "order_placed"];

    /// <summary>True for lower_snake names: a letter first, then letters, digits and single underscores, at most <see cref="Limits.EventType"/> long.</summary>
    public static bool IsTypeName(string type) => type.Length <= Limits.EventType && TypeName().IsMatch(type);

    /// <summary>
    /// Why a client's time is not believed, or null when it is: more than <paramref name="maxClockSkew"/> ahead of the
    /// studio's clock (a wrong clock would put the event before later ones), or older than <paramref name="maxAge"/>
    /// (history belongs in an import, not in triggers that react "within seconds").
    /// </summary>
    public static string? TimeRefusal(DateTimeOffset occurredAt, DateTimeOffset now, TimeSpan maxClockSkew, TimeSpan maxAge)
    {
        if (occurredAt > now + maxClockSkew)
        {
            return $"occurredAt is {Describe(occurredAt - now)} in the future (at most {Describe(maxClockSkew)} ahead of the studio's clock is accepted)";
        }

        if (occurredAt < now - maxAge)
        {
            return $"occurredAt is {Describe(now - occurredAt)} old (events older than {Describe(maxAge)} are refused; import history as a CSV file)";
        }

        return null;
    }

    private static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: >= 2 } => $"{Math.Floor(span.TotalDays):0} days",
        { TotalHours: >= 2 } => $"{Math.Floor(span.TotalHours):0} hours",
        { TotalMinutes: >= 2 } => $"{Math.Floor(span.TotalMinutes):0} minutes",
        _ => $"{Math.Ceiling(span.TotalSeconds):0} seconds",
    };

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
