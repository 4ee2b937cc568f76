using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using MimeKit;

namespace CampaignStudio.Messaging.Tests.Mime;

public class MessageBuilderTests
{
    public static readonly SenderIdentity Sender = new("Example Shop", "news@shop.example.com", "unsubscribe@shop.example.com");

    public static MessageEnvelope Envelope(int campaignId, long recipientId, string address) =>
        new(Sender, address, "Ada Lovelace", campaignId, recipientId, $"https://studio.example.com/u/tok{recipientId}");

    private static readonly RenderedMessage Content = new("Spring deals", "Pre", "<p>Hi</p>", "Hi");

    [Fact]
    public void BuildsAlternativeTextAndHtmlWithUnsubscribeAndTrackingHeaders()
    {
        var message = new MessageBuilder().Build(Content, Envelope(12, 3456, "ada@example.com"));

        message.Subject.ShouldBe("Spring deals");
        message.From.Mailboxes.ShouldHaveSingleItem().ShouldBe(new MailboxAddress("Example Shop", "news@shop.example.com"));
        message.To.Mailboxes.ShouldHaveSingleItem().Address.ShouldBe("ada@example.com");
        message.MessageId.ShouldEndWith("@shop.example.com");
        message.Headers[HeaderId.ListUnsubscribe].ShouldBe("<https://studio.example.com/u/tok3456>, <mailto:unsubscribe@shop.example.com?subject=unsubscribe-12-3456>");
        message.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        message.Headers[MessageBuilder.CampaignHeader].ShouldBe("12");
        message.Headers[MessageBuilder.RecipientHeader].ShouldBe("3456");
        var alternative = message.Body.ShouldBeOfType<MultipartAlternative>();
        alternative.Select(p => p.ContentType.MimeType).ShouldBe(["text/plain", "text/html"]);
        message.TextBody.ShouldBe("Hi");
        message.HtmlBody.ShouldBe("<p>Hi</p>");
    }

    [Fact]
    public void MessageIdsAreUnique()
    {
        var builder = new MessageBuilder();

        var ids = Enumerable.Range(0, 1000).Select(i => builder.Build(Content, Envelope(1, i, "a@example.com")).MessageId).ToHashSet();

        ids.Count.ShouldBe(1000);
    }

    [Fact]
    public void MailtoIsOptional()
    {
        var envelope = Envelope(1, 2, "a@example.com") with { Sender = Sender with { UnsubscribeMailto = null } };

        new MessageBuilder().Build(Content, envelope).Headers[HeaderId.ListUnsubscribe].ShouldBe("<https://studio.example.com/u/tok2>");
    }

    [Fact]
    public void RejectsANonHttpUnsubscribeLink()
    {
        var envelope = Envelope(1, 2, "a@example.com") with { UnsubscribeUrl = "javascript:alert(1)" };

        Should.Throw<ArgumentException>(() => new MessageBuilder().Build(Content, envelope));
    }

    [Fact]
    public void PreparedHeadersWriteTheSameBytesAsHeadersSetOneByOne()
    {
        // From, Reply-To, Date and List-Unsubscribe-Post are formatted once and copied (decision 054, session 13).
        var clock = new CampaignStudio.Messaging.Tests.Links.ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var builder = new MessageBuilder(clock);
        const string replyTo = "Service <service@shop.example.com>";
        var sender = Sender with { ReplyTo = replyTo };
        foreach (var (recipientId, address) in new[] { (1L, "ada@example.com"), (2L, "grace@example.com"), (3L, "ada@example.com") })
        {
            var envelope = Envelope(5, recipientId, address) with { Sender = sender };
            var built = builder.Build(Content, envelope);

            var reference = new MimeMessage { Subject = Content.Subject, Date = clock.GetUtcNow(), MessageId = built.MessageId! };
            reference.From.Add(new MailboxAddress(sender.Name, sender.Address));
            reference.To.Add(new MailboxAddress(envelope.RecipientName ?? "", address));
            reference.ReplyTo.Add(MailboxAddress.Parse(sender.ReplyTo));
            reference.Headers.Add(HeaderId.ListUnsubscribe, $"<{envelope.UnsubscribeUrl}>, <mailto:{sender.UnsubscribeMailto}?subject=unsubscribe-5-{recipientId}>");
            reference.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            reference.Headers.Add(MessageBuilder.CampaignHeader, "5");
            reference.Headers.Add(MessageBuilder.RecipientHeader, recipientId.ToString(System.Globalization.CultureInfo.InvariantCulture));

            HeaderBytes(built).ShouldBe(HeaderBytes(reference));
            built.From.Mailboxes.ShouldHaveSingleItem().Address.ShouldBe("news@shop.example.com");
            built.ReplyTo.Mailboxes.ShouldHaveSingleItem().Address.ShouldBe("service@shop.example.com");
            built.Date.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds()));
            clock.Advance(TimeSpan.FromMilliseconds(700));
        }
    }

    [Fact]
    public void HtmlGivenAsUtf8BytesWritesTheSameMessageAsBodyBuilderMadeFromTheString()
    {
        // The send pipeline hands the link rewrite's UTF-8 straight to the HTML part (decision 054, session 15); the message on
        // the wire must stay byte for byte what BodyBuilder made of the HTML string, before and after the 7-bit preparation the
        // transport and the DKIM signer apply.
        var clock = new CampaignStudio.Messaging.Tests.Links.ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var content = new RenderedMessage("Grüße – 20 % off", "Pre", "<html><body><p>Hallo Jürgen, schöne Grüße! 😀</p><p>" + new string('x', 900) + "</p>\n</body></html>",
            "Hallo Jürgen,\nschöne Grüße! 😀");
        var envelope = Envelope(7, 8, "juergen@example.com");
        var built = new MessageBuilder(clock).Build(content.Subject, content.Text, System.Text.Encoding.UTF8.GetBytes(content.Html), envelope);

        var reference = new MessageBuilder(clock).Build(content with { Html = "" }, envelope);
        reference.MessageId = built.MessageId!;
        var body = (Multipart)new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html }.ToMessageBody();
        body.Boundary = ((Multipart)built.Body!).Boundary!;
        reference.Body = body;

        Bytes(built).ShouldBe(Bytes(reference));
        built.Prepare(EncodingConstraint.SevenBit);
        reference.Prepare(EncodingConstraint.SevenBit);
        Bytes(built).ShouldBe(Bytes(reference));
        built.HtmlBody.ShouldBe(content.Html);
        built.TextBody.ShouldBe(content.Text);
    }

    private static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    private static string HeaderBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.Headers.WriteTo(FormatOptions.Default, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
