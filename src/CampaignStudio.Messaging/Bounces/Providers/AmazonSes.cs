using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Bounces;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>
/// One message Amazon SNS posts to an HTTP(S) subscription: a subscription confirmation or a notification (whose
/// <see cref="Message"/> is the SES event as JSON). Signed by SNS with the key of the certificate at
/// <see cref="SigningCertUrl"/>: RSA over the canonical "name\nvalue\n" string of fixed fields, SHA1 (version 1) or SHA256 (version 2).
/// </summary>
public sealed record SnsMessage(string Type, string MessageId, string TopicArn, string? Subject, string Message, string Timestamp,
    string SignatureVersion, string Signature, string SigningCertUrl, string? SubscribeUrl, string? Token)
{
    public const string Notification = "Notification";
    public const string SubscriptionConfirmation = "SubscriptionConfirmation";
    public const string UnsubscribeConfirmation = "UnsubscribeConfirmation";

    /// <summary>Reads the POST body; null when it is not an SNS message (a field missing).</summary>
    public static SnsMessage? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string? Read(string name) => root.Text(name);
            if (Read("Type") is not { } type || Read("MessageId") is not { } id || Read("TopicArn") is not { } topic || Read("Message") is not { } message
                || Read("Timestamp") is not { } timestamp || Read("Signature") is not { } signature || Read("SigningCertURL") is not { } cert)
            {
                return null;
            }

            return new SnsMessage(type, id, topic, Read("Subject"), message, timestamp, Read("SignatureVersion") ?? "1", signature, cert,
                Read("SubscribeURL"), Read("Token"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>When SNS published it (retries keep the first time).</summary>
    public DateTimeOffset? PublishedAt => ProviderJson.Time(Timestamp);

    /// <summary>The string SNS signs: field names and values on their own lines, in this fixed order, Subject only when present.</summary>
    public string StringToSign()
    {
        var fields = Type == Notification
            ? new (string Name, string? Value)[] { ("Message", Message), ("MessageId", MessageId), ("Subject", Subject), ("Timestamp", Timestamp), ("TopicArn", TopicArn), ("Type", Type) }
            : [("Message", Message), ("MessageId", MessageId), ("SubscribeURL", SubscribeUrl), ("Timestamp", Timestamp), ("Token", Token), ("TopicArn", TopicArn), ("Type", Type)];
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                text.Append(name).Append('\n').Append(value).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Whether the signature is the certificate key's over <see cref="StringToSign"/> (versions 1 and 2 only).</summary>
    public bool IsSignedBy(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var hash = SignatureVersion switch
        {
            "1" => HashAlgorithmName.SHA1,
            "2" => HashAlgorithmName.SHA256,
            _ => default,
        };
        if (hash == default)
        {
            return false;
        }

        using var rsa = certificate.GetRSAPublicKey();
        Span<byte> signature = new byte[Signature.Length];
        return rsa is not null && Convert.TryFromBase64String(Signature, signature, out var length)
            && rsa.VerifyData(Encoding.UTF8.GetBytes(StringToSign()), signature[..length], hash, RSASignaturePadding.Pkcs1);
    }
}

/// <summary>Reads the SES event inside an SNS notification: Bounce and Complaint (notification or event publishing shape).</summary>
public static class AmazonSes
{
    public static IReadOnlyList<ProviderEvent> Read(string sesJson)
    {
        using var doc = JsonDocument.Parse(sesJson);
        var root = doc.RootElement;
        var type = root.Text("notificationType") ?? root.Text("eventType");
        var mail = root.Child("mail");
        var (reference, messageId) = Headers(mail);
        var events = new List<ProviderEvent>();
        if (type == "Bounce")
        {
            var bounce = root.Child("bounce");
            var bounceType = bounce.Text("bounceType");
            // Permanent: the address is gone; Transient and Undetermined say nothing final about it (soft).
            var kind = bounceType == "Permanent" ? BounceKind.Hard : BounceKind.Soft;
            var recipients = bounce.Child("bouncedRecipients");
            var count = recipients.ValueKind == JsonValueKind.Array ? recipients.GetArrayLength() : 0;
            foreach (var recipient in count > 0 ? recipients.EnumerateArray().ToList() : [default])
            {
                var address = recipient.Text("emailAddress");
                var diagnostic = recipient.Text("diagnosticCode");
                events.Add(new ProviderEvent(EmailProvider.AmazonSes, Id(bounce.Text("feedbackId"), address, count), kind,
                    recipient.Text("status") ?? ProviderJson.EnhancedCode(diagnostic),
                    $"Amazon SES {bounceType}/{bounce.Text("bounceSubType")}" + (diagnostic is null ? "" : $": {diagnostic}"),
                    address, reference, messageId, ProviderJson.Time(bounce.Text("timestamp")), ProviderJson.Evidence(root)));
            }
        }
        else if (type == "Complaint")
        {
            var complaint = root.Child("complaint");
            var recipients = complaint.Child("complainedRecipients");
            var count = recipients.ValueKind == JsonValueKind.Array ? recipients.GetArrayLength() : 0;
            foreach (var recipient in count > 0 ? recipients.EnumerateArray().ToList() : [default])
            {
                var address = recipient.Text("emailAddress");
                events.Add(new ProviderEvent(EmailProvider.AmazonSes, Id(complaint.Text("feedbackId"), address, count), BounceKind.Complaint, null,
                    $"Amazon SES complaint ({complaint.Text("complaintFeedbackType") ?? "no feedback type"})", address, reference, messageId,
                    ProviderJson.Time(complaint.Text("timestamp")), ProviderJson.Evidence(root)));
            }
        }

        return events;
    }

    /// <summary>One feedback id covers every recipient of a mail; the studio sends one recipient per mail, else the address tells them apart.</summary>
    private static string Id(string? feedbackId, string? address, int recipients) =>
        (feedbackId ?? throw new JsonException("The SES event has no feedbackId.")) + (recipients > 1 ? "/" + address : "");

    /// <summary>Our reference and the Message-ID among the original headers (SES sends them when "include original headers" is on).</summary>
    private static (string? Reference, string? MessageId) Headers(JsonElement mail)
    {
        string? reference = null, messageId = null;
        var headers = mail.Child("headers");
        if (headers.ValueKind == JsonValueKind.Array)
        {
            foreach (var header in headers.EnumerateArray())
            {
                var name = header.Text("name");
                if (string.Equals(name, MessageReferences.Header, StringComparison.OrdinalIgnoreCase))
                {
                    reference = header.Text("value");
                }
                else if (string.Equals(name, "Message-ID", StringComparison.OrdinalIgnoreCase))
                {
                    messageId = ProviderJson.MessageId(header.Text("value"));
                }
            }
        }

        return (reference, messageId ?? ProviderJson.MessageId(mail.Child("commonHeaders").Text("messageId")));
    }
}
