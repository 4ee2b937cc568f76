using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Messaging.Mime;
using MimeKit;

namespace CampaignStudio.Messaging.Bounces;

/// <summary>
/// Reads one mail of the bounce mailbox: a delivery status notification (RFC 3464) is classified by its status code, a
/// feedback report (RFC 5965, ARF) is a complaint, and mail without either (qmail, old Exchange, autoresponders) is
/// classified from its words when our return address is in it. What matches nothing is <see cref="BounceKind.NotUnderstood"/>.
/// </summary>
public static partial class BounceClassifier
{
    /// <summary>
    /// 5.x.x codes that are not about the address: a full mailbox or a message too large for it passes, so they count as
    /// soft (the "known exceptions" most bounce handlers make).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SoftPermanentCodes = new Dictionary<string, string>
    {
        ["5.2.2"] = "mailbox full",
        ["5.2.3"] = "message too large for the mailbox",
        ["5.3.4"] = "message too large for the system",
    };

    /// <summary>Phrases of bounces that carry no status (checked in order, case-insensitive; the first match decides).</summary>
    public static readonly IReadOnlyList<(string Phrase, BounceKind Kind)> Phrases =
    [
        ("mailbox full", BounceKind.Soft),
        ("mailbox is full", BounceKind.Soft),
        ("over quota", BounceKind.Soft),
        ("quota exceeded", BounceKind.Soft),
        ("insufficient storage", BounceKind.Soft),
        ("try again later", BounceKind.Soft),
        ("temporarily", BounceKind.Soft),
        ("no mailbox here by that name", BounceKind.Hard),
        ("user unknown", BounceKind.Hard),
        ("unknown user", BounceKind.Hard),
        ("no such user", BounceKind.Hard),
        ("no such mailbox", BounceKind.Hard),
        ("does not exist", BounceKind.Hard),
        ("recipient address rejected", BounceKind.Hard),
        ("invalid recipient", BounceKind.Hard),
        ("unrouteable address", BounceKind.Hard),
        ("mailbox unavailable", BounceKind.Hard),
        ("account has been disabled", BounceKind.Hard),
        ("host or domain name not found", BounceKind.Hard),
    ];

    public static BounceReading Read(MimeMessage mail, ReturnAddresses returnAddresses)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(returnAddresses);
        var report = mail.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault() is { } status ? ReadDeliveryStatus(mail, status, returnAddresses) : null;
        if (report is not null)
        {
            return report;
        }

        if (mail.BodyParts.OfType<MessageFeedbackReport>().FirstOrDefault() is { } feedback)
        {
            return ReadFeedbackReport(mail, feedback, returnAddresses);
        }

        return ReadPlain(mail, returnAddresses);
    }

    /// <summary>The code rule: 4.x.x soft, 5.x.x hard except <see cref="SoftPermanentCodes"/>; null for 2.x.x (delivered) or nonsense.</summary>
    public static BounceKind? KindOf(string? statusCode)
    {
        if (statusCode is null || statusCode.Length < 5)
        {
            return null;
        }

        return statusCode[0] switch
        {
            '4' => BounceKind.Soft,
            '5' when SoftPermanentCodes.ContainsKey(statusCode) => BounceKind.Soft,
            '5' => BounceKind.Hard,
            _ => null,
        };
    }

    private static BounceReading? ReadDeliveryStatus(MimeMessage mail, MessageDeliveryStatus status, ReturnAddresses returnAddresses)
    {
        // Group 0 is about the message; each further group is one recipient. The first that failed (or was delayed) decides.
        var recipients = status.StatusGroups.Skip(1).ToList();
        var group = recipients.FirstOrDefault(g => Action(g) == "failed") ?? recipients.FirstOrDefault(g => Action(g) == "delayed");
        if (group is null)
        {
            return null;
        }

        var code = EnhancedCode().Match(group["Status"] ?? "") is { Success: true } m ? m.Value : null;
        var diagnostic = Clean(group["Diagnostic-Code"]) ?? Clean(group["Status"]);
        var kind = KindOf(code) ?? (Action(group) == "delayed" ? BounceKind.Soft : ByPhrase(diagnostic));
        var (ledgerId, originalMessageId) = Original(mail);
        return new BounceReading(kind ?? BounceKind.NotUnderstood, code, diagnostic, FindReturnAddress(mail, returnAddresses), ledgerId, originalMessageId)
        {
            Note = kind is null ? "A delivery report whose status says neither a temporary nor a permanent failure." : null,
        };
    }

    private static BounceReading ReadFeedbackReport(MimeMessage mail, MessageFeedbackReport feedback, ReturnAddresses returnAddresses)
    {
        var evidence = new StringBuilder();
        foreach (var field in feedback.Fields)
        {
            evidence.Append(field.Field).Append(": ").AppendLine(field.Value.Trim());
        }

        var (ledgerId, originalMessageId) = Original(mail);
        var type = feedback.Fields["Feedback-Type"]?.Trim();
        return new BounceReading(BounceKind.Complaint, null, $"Feedback report: {type ?? "abuse"}", FindReturnAddress(mail, returnAddresses), ledgerId,
            originalMessageId, evidence.ToString());
    }

    private static BounceReading ReadPlain(MimeMessage mail, ReturnAddresses returnAddresses)
    {
        var returnAddress = FindReturnAddress(mail, returnAddresses);
        var (ledgerId, originalMessageId) = Original(mail);
        var text = mail.TextBody ?? mail.HtmlBody ?? "";
        var code = EnhancedCode().Match(text) is { Success: true } m ? m.Value : null;
        var phrase = Phrases.FirstOrDefault(p => text.Contains(p.Phrase, StringComparison.OrdinalIgnoreCase));
        var kind = KindOf(code) ?? (phrase.Phrase is null ? null : phrase.Kind);
        if (kind is null || (returnAddress is null && ledgerId is null && originalMessageId is null))
        {
            return new BounceReading(BounceKind.NotUnderstood, code, FirstLines(text), returnAddress, ledgerId, originalMessageId)
            {
                Note = kind is null ? "Neither a delivery report nor words the studio knows." : "Names no message the studio sent.",
            };
        }

        var diagnostic = phrase.Phrase is null ? FirstLines(text) : LineWith(text, phrase.Phrase);
        return new BounceReading(kind.Value, code, diagnostic, returnAddress, ledgerId, originalMessageId);
    }

    private static BounceKind? ByPhrase(string? text) =>
        text is null ? null : Phrases.FirstOrDefault(p => text.Contains(p.Phrase, StringComparison.OrdinalIgnoreCase)) is { Phrase: not null } hit ? hit.Kind : null;

    private static string? Action(HeaderList group) => group["Action"]?.Trim().ToLowerInvariant();

    /// <summary>
    /// Our return address: where the report was delivered (Delivered-To, X-Original-To, To), then anywhere in the mail
    /// (a quoted original carries it in Return-Path, plain bounces quote it in the text).
    /// </summary>
    private static long? FindReturnAddress(MimeMessage mail, ReturnAddresses returnAddresses)
    {
        foreach (var header in new[] { "Delivered-To", "X-Original-To", "Envelope-To", "To" })
        {
            foreach (var value in mail.Headers.Where(h => h.Field.Equals(header, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value))
            {
                if (returnAddresses.TryFind(value, out var id))
                {
                    return id;
                }
            }
        }

        using var stream = new MemoryStream();
        mail.WriteTo(stream);
        return returnAddresses.TryFind(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length), out var found) ? found : null;
    }

    /// <summary>Our recipient header and the Message-ID of the quoted original (message/rfc822 or text/rfc822-headers).</summary>
    private static (long? LedgerId, string? MessageId) Original(MimeMessage mail)
    {
        var original = mail.BodyParts.OfType<MessagePart>().Select(p => p.Message).FirstOrDefault(m => m is not null);
        if (original is null)
        {
            return (null, null);
        }

        var ledger = long.TryParse(original.Headers[MessageBuilder.RecipientHeader]?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : (long?)null;
        return (ledger, string.IsNullOrWhiteSpace(original.MessageId) ? null : original.MessageId);
    }

    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Whitespace().Replace(value, " ").Trim();
        return text.Length > 1000 ? text[..1000] : text;
    }

    private static string? LineWith(string text, string phrase) =>
        Clean(text.Split('\n').FirstOrDefault(l => l.Contains(phrase, StringComparison.OrdinalIgnoreCase)));

    private static string? FirstLines(string text) => Clean(string.Join(' ', text.Split('\n').Where(l => !string.IsNullOrWhiteSpace(l)).Take(3)));

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
