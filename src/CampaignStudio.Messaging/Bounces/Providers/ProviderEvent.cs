using System.Text.Json;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Bounces;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>The sending services whose bounce and complaint webhooks the studio reads.</summary>
public enum EmailProvider
{
    AmazonSes,
    Postmark,
    SendGrid,
    Mailgun,
}

/// <summary>
/// One bounce or complaint a sending provider reported, read from its (already verified) webhook: what the bounce
/// mailbox's classifier gives for a mail, plus the provider's own event id, which is the idempotency key.
/// </summary>
/// <param name="EventId">The provider's id of this event (SES feedback id, Postmark bounce id, SendGrid sg_event_id, Mailgun event id).</param>
/// <param name="MessageReference">Our signed <see cref="MessageReferences"/> value echoed back, when the provider carried it.</param>
/// <param name="MessageIdHeader">The Message-ID of the mail sent, when the provider kept and reports it (without angle brackets).</param>
/// <param name="Evidence">The provider's event as it came (JSON), kept as the proof.</param>
public sealed record ProviderEvent(
    EmailProvider Provider,
    string EventId,
    BounceKind Kind,
    string? StatusCode,
    string? Diagnostic,
    string? Recipient,
    string? MessageReference,
    string? MessageIdHeader,
    DateTimeOffset? OccurredAt,
    string Evidence)
{
    /// <summary>The idempotency key stored in the event table's unique column: the provider's name and its event id.</summary>
    public string Key => $"{Name(Provider).ToLowerInvariant().Replace(' ', '-')}:{EventId}";

    /// <summary>The provider as a marketer knows it.</summary>
    public static string Name(EmailProvider provider) => provider switch
    {
        EmailProvider.AmazonSes => "Amazon SES",
        EmailProvider.Postmark => "Postmark",
        EmailProvider.SendGrid => "SendGrid",
        _ => "Mailgun",
    };
}

/// <summary>Small helpers the provider readers share.</summary>
internal static partial class ProviderJson
{
    public static string? Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    public static JsonElement Child(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static string? EnhancedCode(string? text) => text is null ? null : Code().Match(text) is { Success: true } m ? m.Value : null;

    public static string? MessageId(string? header) => string.IsNullOrWhiteSpace(header) ? null : header.Trim().Trim('<', '>');

    public static DateTimeOffset? Time(string? value) => DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
        System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>The evidence as stored: the event's JSON, cut to the column's length.</summary>
    public static string Evidence(JsonElement element) => element.GetRawText() is var raw && raw.Length > Domain.Limits.Description ? raw[..Domain.Limits.Description] : raw;

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Code();
}
