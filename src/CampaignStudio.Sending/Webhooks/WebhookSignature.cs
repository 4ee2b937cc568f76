using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CampaignStudio.Sending.Webhooks;

/// <summary>
/// How a delivery proves it comes from the studio: <c>Webhook-Signature: v1=</c> hex HMAC-SHA256, under the endpoint's
/// secret, of <c>{Webhook-Timestamp}.{body}</c>. The timestamp is signed so a captured delivery cannot be replayed later
/// (a receiver refuses old timestamps); <c>Webhook-Id</c> is the same on every attempt, so it can drop repeats.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "Webhook-Id";
    public const string TimestampHeader = "Webhook-Timestamp";
    public const string SignatureHeader = "Webhook-Signature";

    /// <summary>The signature header's value for a body sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>What a receiver checks: the signature matches (in constant time) and the timestamp is within the tolerance of now.</summary>
    public static bool Verify(string secret, string? timestamp, string? signature, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(signature));
    }
}
