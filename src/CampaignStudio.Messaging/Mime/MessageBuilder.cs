using CampaignStudio.Messaging.Templates;
using MimeKit;
using MimeKit.Utils;

namespace CampaignStudio.Messaging.Mime;

/// <summary>Who a campaign is sent as.</summary>
/// <param name="UnsubscribeMailto">Optional address for mail-based unsubscribes, listed in List-Unsubscribe beside the link.</param>
public sealed record SenderIdentity(string Name, string Address, string? UnsubscribeMailto = null, string? ReplyTo = null)
{
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];
}

/// <summary>Addressing and tracking data for one message of one campaign.</summary>
/// <param name="RecipientId">The studio's id for this recipient of this campaign (the message ledger row), echoed back by bounces.</param>
/// <param name="UnsubscribeUrl">The signed one-click https link (RFC 8058).</param>
public sealed record MessageEnvelope(
    SenderIdentity Sender,
    string RecipientAddress,
    string? RecipientName,
    int CampaignId,
    long RecipientId,
    string UnsubscribeUrl);

/// <summary>Builds the MIME message: multipart/alternative text + HTML, one-click unsubscribe and ids for bounce matching.</summary>
public sealed class MessageBuilder(TimeProvider timeProvider)
{
    public const string CampaignHeader = "X-CampaignStudio-Campaign";
    public const string RecipientHeader = "X-CampaignStudio-Recipient";

    public MessageBuilder()
        : this(TimeProvider.System)
    {
    }

    public MimeMessage Build(RenderedMessage content, MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelope);
        if (!envelope.UnsubscribeUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase) &&
            !envelope.UnsubscribeUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("The unsubscribe link must be an http(s) URL.", nameof(envelope));
        }

        var message = new MimeMessage
        {
            Subject = content.Subject,
            Date = timeProvider.GetUtcNow(),
            MessageId = MimeUtils.GenerateMessageId(envelope.Sender.Domain),
        };
        message.From.Add(new MailboxAddress(envelope.Sender.Name, envelope.Sender.Address));
        message.To.Add(new MailboxAddress(envelope.RecipientName ?? "", envelope.RecipientAddress));
        if (envelope.Sender.ReplyTo is { Length: > 0 } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        var unsubscribe = $"<{envelope.UnsubscribeUrl}>";
        if (envelope.Sender.UnsubscribeMailto is { Length: > 0 } mailto)
        {
            unsubscribe += $", <mailto:{mailto}?subject=unsubscribe-{envelope.CampaignId}-{envelope.RecipientId}>";
        }

        message.Headers.Add(HeaderId.ListUnsubscribe, unsubscribe);
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add(CampaignHeader, envelope.CampaignId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.Add(RecipientHeader, envelope.RecipientId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html };
        message.Body = body.ToMessageBody();
        return message;
    }
}
