using System.Net;
using System.Net.Sockets;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Tests.Mime;
using CampaignStudio.Messaging.Tests.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.TestSupport;
using MimeKit;

namespace CampaignStudio.Messaging.Tests.Transport;

[Collection(SmtpCollection.Name)]
public class SmtpMailTransportTests(SmtpServerFixture server)
{
    private readonly MessageBuilder _builder = new();

    private MimeMessage Message(int campaignId, long recipientId, string address, string subject = "Hello") =>
        _builder.Build(new RenderedMessage(subject, null, $"<p>{subject}</p>", subject), MessageBuilderTests.Envelope(campaignId, recipientId, address));

    [Fact]
    public async Task RenderedMessageArrivesWithHeadersBothPartsAndEncodedCustomerValues()
    {
        const int campaignId = 1001;
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource(
            "Hi {{ customer.first_name }}", "Just for you", "<html><body><p>Hello {{ customer.first_name }}</p></body></html>", "Hello {{ customer.first_name }}")).Template!;
        var recipient = new RecipientTestBuilder().WithName("<script>alert('x')</script>", "Doe").WithEmail("xss@example.com").Build();
        var rendered = renderer.Render(template, recipient, RecipientTestBuilder.Campaign(campaignId), RecipientTestBuilder.Footer(99));
        var message = _builder.Build(rendered, MessageBuilderTests.Envelope(campaignId, 99, recipient.Email));
        await using var transport = new SmtpMailTransport(server.Options());

        var result = await transport.SendAsync(message);

        result.Status.ShouldBe(SendStatus.Sent, result.ToString());
        var received = server.MessagesOf(campaignId).ShouldHaveSingleItem();
        received.MessageId.ShouldBe(message.MessageId);
        received.MessageId.ShouldEndWith("@shop.example.com");
        received.Headers[HeaderId.ListUnsubscribe].ShouldBe("<https://studio.example.com/u/tok99>, <mailto:unsubscribe@shop.example.com?subject=unsubscribe-1001-99>");
        received.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        received.Headers[MessageBuilder.RecipientHeader].ShouldBe("99");
        received.From.Mailboxes.ShouldHaveSingleItem().Name.ShouldBe("Example Shop");
        received.Subject.ShouldBe("Hi <script>alert('x')</script>");
        received.Body.ShouldBeOfType<MultipartAlternative>();
        received.HtmlBody!.ShouldContain("<p>Hello &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>");
        received.HtmlBody!.ShouldNotContain("<script>");
        received.HtmlBody!.ShouldContain("https://studio.example.com/u/token-99");
        received.TextBody!.ShouldStartWith("Hello <script>alert('x')</script>");
        received.TextBody!.ShouldContain("Unsubscribe: https://studio.example.com/u/token-99");
    }

    [Fact]
    public async Task RejectedRecipientIsAPermanentFailureAndTheConnectionKeepsWorking()
    {
        const int campaignId = 1002;
        await using var transport = new SmtpMailTransport(server.Options(connections: 1));

        var first = await transport.SendAsync(Message(campaignId, 1, "one@example.com"));
        var rejected = await transport.SendAsync(Message(campaignId, 2, "nobody+reject@example.com"));
        var next = await transport.SendAsync(Message(campaignId, 3, "three@example.com"));

        first.Status.ShouldBe(SendStatus.Sent);
        rejected.Status.ShouldBe(SendStatus.PermanentFailure);
        rejected.Code.ShouldBe(550);
        rejected.Recipient.ShouldBe("nobody+reject@example.com");
        rejected.Detail!.ShouldContain("no such user");
        next.Status.ShouldBe(SendStatus.Sent, next.ToString());
        server.MessagesOf(campaignId).Select(m => m.Headers[MessageBuilder.RecipientHeader]).Order().ShouldBe(["1", "3"]);
    }

    [Fact]
    public async Task TemporaryRejectionIsATransientFailureWithItsCode()
    {
        const int campaignId = 1003;
        await using var transport = new SmtpMailTransport(server.Options());

        var result = await transport.SendAsync(Message(campaignId, 1, "busy+tempfail-a@example.com"));

        result.Status.ShouldBe(SendStatus.TransientFailure);
        result.Code.ShouldBe(450);
        result.Detail!.ShouldContain("try later");
        server.MessagesOf(campaignId).ShouldBeEmpty();
    }

    [Fact]
    public async Task TransientFailureIsRetriedUntilSent()
    {
        const int campaignId = 1004;
        await using var smtp = new SmtpMailTransport(server.Options());
        var pipeline = SendResilience.CreatePipeline(new SendOptions { MaxAttempts = 4, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var transport = new ResilientMailTransport(smtp, pipeline);

        var result = await transport.SendAsync(Message(campaignId, 1, "busy+tempfail-b@example.com"));

        result.Status.ShouldBe(SendStatus.Sent, result.ToString());
        server.MessagesOf(campaignId).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task RetriesStopAfterMaxAttempts()
    {
        const int campaignId = 1005;
        await using var smtp = new SmtpMailTransport(server.Options());
        var pipeline = SendResilience.CreatePipeline(new SendOptions { MaxAttempts = SmtpServerFixture.TempfailTimes, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var result = await new ResilientMailTransport(smtp, pipeline).SendAsync(Message(campaignId, 1, "busy+tempfail-c@example.com"));

        result.Status.ShouldBe(SendStatus.TransientFailure);
        result.Code.ShouldBe(450);
        server.MessagesOf(campaignId).ShouldBeEmpty();
    }

    [Fact]
    public async Task PermanentFailureIsNotRetried()
    {
        const int campaignId = 1006;
        await using var smtp = new SmtpMailTransport(server.Options());
        var attempts = 0;
        var counting = new CountingTransport(smtp, () => attempts++);
        var pipeline = SendResilience.CreatePipeline(new SendOptions { MaxAttempts = 5, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var result = await new ResilientMailTransport(counting, pipeline).SendAsync(Message(campaignId, 1, "x+reject@example.com"));

        result.Status.ShouldBe(SendStatus.PermanentFailure);
        attempts.ShouldBe(1);
    }

    [Fact]
    public async Task PooledParallelSendingDeliversEveryMessageExactlyOnce()
    {
        const int campaignId = 1007;
        await using var transport = new SmtpMailTransport(server.Options(connections: 4));
        var messages = Enumerable.Range(0, 500).Select(i => Message(campaignId, i, $"c{i}@example.com", $"Message {i}")).ToArray();

        var results = new SendResult[messages.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, messages.Length), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            results[i] = await transport.SendAsync(messages[i], ct));

        results.ShouldAllBe(r => r.Status == SendStatus.Sent);
        var received = server.MessagesOf(campaignId);
        received.Count.ShouldBe(500);
        received.Select(m => m.MessageId).ToHashSet().SetEquals(messages.Select(m => m.MessageId)).ShouldBeTrue();
    }

    [Fact]
    public async Task AuthenticatesWhenCredentialsAreGiven()
    {
        const int campaignId = 1008;
        await using var good = new SmtpMailTransport(server.Options() with { User = "demo", Password = "secret" });
        await using var bad = new SmtpMailTransport(server.Options() with { User = "demo", Password = "wrong" });

        var sent = await good.SendAsync(Message(campaignId, 1, "auth@example.com"));
        var refused = await bad.SendAsync(Message(campaignId, 2, "auth@example.com"));

        sent.Status.ShouldBe(SendStatus.Sent, sent.ToString());
        refused.Status.ShouldBe(SendStatus.TransientFailure, refused.ToString());
        refused.Code.ShouldBe(535, refused.ToString());
        server.MessagesOf(campaignId).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task UnreachableServerIsATransientFailureNotAnException()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var transport = new SmtpMailTransport(server.Options() with { Port = closedPort });

        var result = await transport.SendAsync(Message(1009, 1, "a@example.com"));

        result.Status.ShouldBe(SendStatus.TransientFailure);
        result.Detail!.ShouldContain("Could not connect");
    }

    private sealed class CountingTransport(IMailTransport inner, Action onSend) : IMailTransport
    {
        public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) =>
            SendAsync(message, null, cancellationToken);

        public Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default)
        {
            onSend();
            return inner.SendAsync(message, returnPath, cancellationToken);
        }
    }
}
