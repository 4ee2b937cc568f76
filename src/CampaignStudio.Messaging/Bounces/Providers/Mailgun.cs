using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Bounces;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>
/// Mailgun's webhooks: the body carries <c>signature: {timestamp, token, signature}</c>, the signature being HMAC-SHA256 of
/// timestamp followed by token under the webhook signing key. It does not cover the event, so a token is good once
/// (the receiver keeps used tokens). Events: <c>failed</c> (permanent = hard, temporary = soft) and <c>complained</c>.
/// </summary>
public static class Mailgun
{
    public sealed record Signature(string Timestamp, string Token, string Value)
    {
        public DateTimeOffset? SignedAt => long.TryParse(Timestamp, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

        public bool IsSignedWith(string signingKey)
        {
            if (string.IsNullOrEmpty(signingKey) || Value.Length != HMACSHA256.HashSizeInBytes * 2)
            {
                return false;
            }

            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(Timestamp + Token));
            byte[] given;
            try
            {
                given = Convert.FromHexString(Value);
            }
            catch (FormatException)
            {
                return false;
            }

            return CryptographicOperations.FixedTimeEquals(mac, given);
        }
    }

    /// <summary>The signature block; null when missing.</summary>
    public static Signature? SignatureOf(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var s = doc.RootElement.Child("signature");
            return s.Text("timestamp") is { } timestamp && s.Text("token") is { Length: > 0 } token && s.Text("signature") is { } value
                ? new Signature(timestamp, token, value)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IReadOnlyList<ProviderEvent> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement.Child("event-data");
        BounceKind? kind = e.Text("event") switch
        {
            "failed" => e.Text("severity") == "permanent" ? BounceKind.Hard : BounceKind.Soft,
            "complained" => BounceKind.Complaint,
            _ => null,
        };
        if (kind is not { } k || e.Text("id") is not { } id)
        {
            return [];
        }

        var status = e.Child("delivery-status");
        var words = status.Text("description") is { Length: > 0 } d ? d : status.Text("message");
        var code = status.Text("code");
        var at = double.TryParse(e.Text("timestamp"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : (DateTimeOffset?)null;
        var reference = e.Child("user-variables").Text(ProviderHeaders.MetadataName);
        return [new ProviderEvent(EmailProvider.Mailgun, id, k, ProviderJson.EnhancedCode(words),
            $"Mailgun {e.Text("event")} ({e.Text("severity") ?? e.Text("reason") ?? "complaint"})" + (code is null && words is null ? "" : $": {code} {words}".TrimEnd()),
            e.Text("recipient"), reference, ProviderJson.MessageId(e.Child("message").Child("headers").Text("message-id")), at, ProviderJson.Evidence(e))];
    }
}
