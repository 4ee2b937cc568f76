using CampaignStudio.Messaging.Templates;
using System.Text;
using MimeKit;
using MimeKit.Text;
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
    string UnsubscribeUrl)
{
    /// <summary>The name shown beside a recipient's address: first and last name as far as known, else none.</summary>
    public static string? NameOf(RecipientData recipient) =>
        string.Join(' ', new[] { recipient.FirstName, recipient.LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } name ? name : null;
}

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
        return Build(content.Subject, content.Text, Encoding.UTF8.GetBytes(content.Html), envelope);
    }

    /// <summary>
    /// The message with an HTML part that is already UTF-8 (the send pipeline's link rewrite writes it so), taken as the part's
    /// content as it is: the same bytes <see cref="BodyBuilder"/> would make from the string, without the string.
    /// </summary>
    public MimeMessage Build(string subject, string text, byte[] htmlUtf8, MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(htmlUtf8);
        ArgumentNullException.ThrowIfNull(envelope);
        if (!envelope.UnsubscribeUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase) &&
            !envelope.UnsubscribeUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("The unsubscribe link must be an http(s) URL.", nameof(envelope));
        }

        var message = new MimeMessage { Subject = subject };
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

        // What BodyBuilder makes of a text and an HTML body: multipart/alternative, each part UTF-8 with charset=utf-8.
        message.Body = new MultipartAlternative { Utf8Part(TextFormat.Plain, Encoding.UTF8.GetBytes(text)), Utf8Part(TextFormat.Html, htmlUtf8) };
        return message;
    }

    private static TextPart Utf8Part(TextFormat format, byte[] utf8)
    {
        var part = new TextPart(format) { Content = new MimeContent(new MemoryStream(utf8, writable: false)) };
        part.ContentType.CharsetEncoding = Encoding.UTF8;
        return part;
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
