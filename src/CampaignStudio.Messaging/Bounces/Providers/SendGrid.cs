using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Bounces;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>
/// SendGrid's signed Event Webhook: ECDSA P-256 with SHA-256 over the timestamp header followed by the raw body, checked
/// with the verification key SendGrid shows (base64 of the public key); bounce, dropped and spamreport events.
/// </summary>
public static class SendGrid
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    /// <summary>Whether a verification key SendGrid shows can be read (base64 DER public key).</summary>
    public static bool IsPublicKey(string? publicKey)
    {
        try
        {
            using var key = Import(publicKey ?? "");
            return true;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
    }

    public static bool IsSignedBy(string publicKey, string? timestamp, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        Span<byte> sig = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, sig, out var length))
        {
            return false;
        }

        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + body.Length];
        var at = Encoding.UTF8.GetBytes(timestamp, signed);
        body.CopyTo(signed.AsSpan(at));
        using var key = Import(publicKey);
        // SendGrid sends the ASN.1 DER form of (r, s).
        return key.VerifyData(signed, sig[..length], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static ECDsa Import(string publicKey)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(Strip(publicKey)), out _);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the key with or without PEM armour.</summary>
    private static string Strip(string key) => string.Concat(key.Replace("-----BEGIN PUBLIC KEY-----", "", StringComparison.Ordinal)
        .Replace("-----END PUBLIC KEY-----", "", StringComparison.Ordinal).Where(c => !char.IsWhiteSpace(c)));

    public static IReadOnlyList<ProviderEvent> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("SendGrid posts a JSON array of events.");
        }

        var events = new List<ProviderEvent>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var reason = e.Text("reason");
            BounceKind? kind = e.Text("event") switch
            {
                // "blocked" is SendGrid's word for a refusal that says nothing final about the address.
                "bounce" => e.Text("type") == "blocked" ? BounceKind.Soft : BounceKind.Hard,
                "spamreport" => BounceKind.Complaint,
                // Dropped: SendGrid did not even try, because of its own suppression lists.
                "dropped" when reason?.Contains("Spam Reporting", StringComparison.OrdinalIgnoreCase) == true => BounceKind.Complaint,
                // "Invalid" alone is an invalid address; "Invalid SMTPAPI header" is the sender's mistake, not the address's.
                "dropped" when reason?.Contains("Bounced Address", StringComparison.OrdinalIgnoreCase) == true
                    || string.Equals(reason?.Trim(), "Invalid", StringComparison.OrdinalIgnoreCase) => BounceKind.Hard,
                _ => null,
            };
            if (kind is not { } k || e.Text("sg_event_id") is not { } id)
            {
                continue;
            }

            var at = long.TryParse(e.Text("timestamp"), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
            events.Add(new ProviderEvent(EmailProvider.SendGrid, id, k, e.Text("status") ?? ProviderJson.EnhancedCode(reason),
                $"SendGrid {e.Text("event")}" + (reason is null ? "" : $": {reason}"), e.Text("email"), e.Text(ProviderHeaders.MetadataName),
                ProviderJson.MessageId(e.Text("smtp-id")), at, ProviderJson.Evidence(e)));
        }

        return events;
    }
}
