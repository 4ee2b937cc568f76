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

        var message = new MimeMessage { Subject = content.Subject };
        var sender = SenderHeaders(envelope.Sender);

        // Headers that are the same for many messages are formatted once and copied (MimeKit formats and folds a header as it
        // is set: ~1–2 KB each); the copies are parsed back into the message's properties as usual. A new MimeMessage already
        // holds From and Date (placeholders in the standard order): they are replaced in place.
        message.Headers.Replace(DateHeader(timeProvider.GetUtcNow()));
        message.MessageId = MimeUtils.GenerateMessageId(envelope.Sender.Domain);
        message.Headers.Replace(sender.From.Clone());
        message.To.Add(new MailboxAddress(envelope.RecipientName ?? "", envelope.RecipientAddress));
        if (sender.ReplyTo is { } replyTo)
        {
            message.Headers.Add(replyTo.Clone());
        }

        var unsubscribe = $"<{envelope.UnsubscribeUrl}>";
        if (envelope.Sender.UnsubscribeMailto is { Length: > 0 } mailto)
        {
            unsubscribe += $", <mailto:{mailto}?subject=unsubscribe-{envelope.CampaignId}-{envelope.RecipientId}>";
        }

        message.Headers.Add(HeaderId.ListUnsubscribe, unsubscribe);
        message.Headers.Add(OneClickPost.Clone());
        message.Headers.Add(CampaignHeader, envelope.CampaignId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.Add(RecipientHeader, envelope.RecipientId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static readonly Header OneClickPost = new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

    // Read and replaced whole (a reference) by the parallel sends; the cached headers are only ever cloned, never changed.
    private PreparedSender? _sender;
    private PreparedDate? _date;

    /// <summary>From and Reply-To as MimeKit formats them, made again only when the sender changes.</summary>
    private PreparedSender SenderHeaders(SenderIdentity sender)
    {
        if (_sender is { } cached && cached.Sender == sender)
        {
            return cached;
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(sender.Name, sender.Address));
        if (sender.ReplyTo is { Length: > 0 } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        var made = new PreparedSender(sender, message.Headers[message.Headers.IndexOf(HeaderId.From)],
            message.Headers.IndexOf(HeaderId.ReplyTo) is >= 0 and var at ? message.Headers[at] : null);
        _sender = made;
        return made;
    }

    /// <summary>The Date header, formatted once a second (it carries whole seconds).</summary>
    private Header DateHeader(DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        if (_date is { } cached && cached.Second == second)
        {
            return cached.Date.Clone();
        }

        var message = new MimeMessage { Date = now };
        var date = message.Headers[message.Headers.IndexOf(HeaderId.Date)];
        _date = new PreparedDate(second, date);
        return date.Clone();
    }

    private sealed record PreparedSender(SenderIdentity Sender, Header From, Header? ReplyTo);

    private sealed record PreparedDate(long Second, Header Date);
}
