using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Bounces;
using MimeKit;

namespace CampaignStudio.Web.Tests.Features.Webhooks;

/// <summary>
/// Bounces and complaints reported by the sending providers' webhooks, over real HTTP with real signatures, for mail the
/// studio really sent: each good event suppresses as the policy says with the event as proof in the consent log, a
/// replay counts once, and unsigned, wrongly signed, stale or foreign requests are refused with the reason.
/// </summary>
public sealed class ProviderWebhooksTests(WebhookStudio studio) : IClassFixture<WebhookStudio>
{
    [Fact]
    public async Task SentMailCarriesTheSignedReferenceAndTheMetadataHeadersOfTheProvidersInUse()
    {
        var mail = (await studio.SendAsync("stamp", 1)).Single();

        var reference = mail.Headers[MessageReferences.Header];
        reference.ShouldNotBeNull();
        mail.Headers["X-PM-Metadata-campaignstudio_message"].ShouldBe(reference);
        JsonDocument.Parse(mail.Headers["X-Mailgun-Variables"]!).RootElement.GetProperty("campaignstudio_message").GetString().ShouldBe(reference);
        JsonDocument.Parse(mail.Headers["X-SMTPAPI"]!).RootElement.GetProperty("unique_args").GetProperty("campaignstudio_message").GetString().ShouldBe(reference);
    }

    [Fact]
    public async Task AmazonSesHardBounceAndComplaintThroughSnsSuppressOnceWithTheEventAsProof()
    {
        var sent = await studio.SendAsync("ses", 2);
        var client = studio.CreateClient();
        var bounce = studio.SnsBody("Notification", SesBounce(sent[0], "fb-ses-1", "Permanent"), studio.Now, version: "1");
        var complaint = studio.SnsBody("Notification", SesComplaint(sent[1], "fb-ses-2"), studio.Now, version: "2", subject: "Amazon SES Email Event Notification");

        (await PostAsync(client, "/webhooks/amazon-ses", bounce)).ShouldBe(HttpStatusCode.OK);
        (await PostAsync(client, "/webhooks/amazon-ses", complaint)).ShouldBe(HttpStatusCode.OK);
        var replay = await client.PostAsync("/webhooks/amazon-ses", Text(bounce));

        replay.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await replay.Content.ReadAsStringAsync()).ShouldStartWith("0 recorded, 1 recorded before");
        var (status, evidence) = await studio.ConsentOfAsync(sent[0]);
        status.ShouldBe(ConsentStatus.Bounced);
        var record = evidence.ShouldHaveSingleItem();
        record.Source.ShouldBe(ConsentSource.Bounce);
        record.Note!.ShouldContain("5.1.1");
        var proof = await studio.EventAsync("amazon-ses:fb-ses-1");
        proof.Id.ShouldBe(record.BounceEventId!.Value);
        proof.Kind.ShouldBe(BounceKind.Hard);
        proof.MatchedBy.ShouldBe(BounceMatch.ReturnAddress, "our signed reference among the original headers names the message");
        proof.Evidence!.ShouldContain("fb-ses-1");
        var complained = await studio.ConsentOfAsync(sent[1]);
        complained.Status.ShouldBe(ConsentStatus.Complained);
        complained.Evidence.ShouldHaveSingleItem().Source.ShouldBe(ConsentSource.ComplaintReport);
    }

    [Fact]
    public async Task AmazonSesRefusesUnsignedTamperedStaleForeignHostAndUnknownTopicMessages()
    {
        var sent = await studio.SendAsync("sesbad", 1);
        var client = studio.CreateClient();
        var message = SesBounce(sent[0], "fb-ses-bad", "Permanent");
        var good = studio.SnsBody("Notification", message, studio.Now);
        var unsigned = JsonSerializer.Serialize(JsonSerializer.Deserialize<Dictionary<string, string>>(good)!.Where(f => f.Key != "Signature").ToDictionary());
        var tampered = good.Replace("Permanent", "Transient", StringComparison.Ordinal);
        var stale = studio.SnsBody("Notification", message, studio.Now.AddHours(-2));
        var before = studio.SnsRequests.Count;
        var foreign = studio.SnsBody("Notification", message, studio.Now, certificateUrl: studio.CertificateUrl("localhost"));
        var otherTopic = studio.SnsBody("Notification", message, studio.Now, topic: "arn:aws:sns:eu-central-1:999999999999:not-ours");

        (await PostAsync(client, "/webhooks/amazon-ses", unsigned)).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/amazon-ses", tampered)).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/amazon-ses", stale)).ShouldBe(HttpStatusCode.BadRequest);
        var refusal = await client.PostAsync("/webhooks/amazon-ses", Text(foreign));
        refusal.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await refusal.Content.ReadAsStringAsync()).ShouldContain("not an allowed SNS host");
        studio.SnsRequests.Skip(before).ShouldNotContain(r => r.StartsWith("localhost", StringComparison.Ordinal), "a certificate from a foreign host is never fetched");
        (await PostAsync(client, "/webhooks/amazon-ses", otherTopic)).ShouldBe(HttpStatusCode.Unauthorized);

        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.OptedIn);
        (await PostAsync(client, "/webhooks/amazon-ses", good)).ShouldBe(HttpStatusCode.OK, "the same event, signed and fresh, is accepted");
        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.Bounced);
    }

    [Fact]
    public async Task AmazonSesSubscriptionIsConfirmedOnlyForAnAllowedTopicAndHost()
    {
        var client = studio.CreateClient();
        var confirm = studio.SnsBody("SubscriptionConfirmation", "You have chosen to subscribe to the topic.", studio.Now, token: "good-token",
            subscribeUrl: studio.SubscribeUrl("good-token"));
        var otherTopic = studio.SnsBody("SubscriptionConfirmation", "Subscribe?", studio.Now, token: "topic-token",
            subscribeUrl: studio.SubscribeUrl("topic-token"), topic: "arn:aws:sns:eu-central-1:999999999999:not-ours");
        var otherHost = studio.SnsBody("SubscriptionConfirmation", "Subscribe?", studio.Now, token: "host-token",
            subscribeUrl: studio.SubscribeUrl("host-token", host: "localhost"));

        (await PostAsync(client, "/webhooks/amazon-ses", confirm)).ShouldBe(HttpStatusCode.OK);
        (await PostAsync(client, "/webhooks/amazon-ses", otherTopic)).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/amazon-ses", otherHost)).ShouldBe(HttpStatusCode.BadRequest);

        studio.SnsRequests.ShouldContain(r => r.Contains("Token=good-token", StringComparison.Ordinal));
        studio.SnsRequests.ShouldNotContain(r => r.Contains("topic-token", StringComparison.Ordinal) || r.Contains("host-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostmarkBouncesNeedTheWebhookCredentialsAndCountOnce()
    {
        var sent = await studio.SendAsync("postmark", 3);
        var client = studio.CreateClient();
        var hard = Postmark(sent[0], 881001, "Bounce", "HardBounce");
        var complaint = Postmark(sent[1], 881002, "SpamComplaint", "SpamComplaint");
        var soft = Postmark(sent[2], 881003, "Bounce", "SoftBounce");

        (await PostAsync(client, "/webhooks/postmark", hard)).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/postmark", hard, Basic(WebhookStudio.PostmarkUser, "wrong-password-wrong-password"))).ShouldBe(HttpStatusCode.Unauthorized);
        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.OptedIn);

        var good = Basic(WebhookStudio.PostmarkUser, WebhookStudio.PostmarkPassword);
        foreach (var body in new[] { hard, hard, complaint, soft })
        {
            (await PostAsync(client, "/webhooks/postmark", body, good)).ShouldBe(HttpStatusCode.OK);
        }

        (await studio.ConsentOfAsync(sent[0])).Evidence.ShouldHaveSingleItem().Note!.ShouldContain("Postmark HardBounce");
        (await studio.ConsentOfAsync(sent[1])).Status.ShouldBe(ConsentStatus.Complained);
        (await studio.ConsentOfAsync(sent[2])).Status.ShouldBe(ConsentStatus.OptedIn, "one soft bounce suppresses nothing");
        (await studio.EventAsync("postmark:881003")).Outcome.ShouldBe("Soft bounce 1 of 3 within 30 days: not suppressed yet.");
        (await studio.EventAsync("postmark:881001")).Evidence!.ShouldContain("\"ID\":881001");
    }

    [Fact]
    public async Task SendGridSignedEventsSuppressAndUnsignedStaleOrTamperedOnesAreRefused()
    {
        var sent = await studio.SendAsync("sendgrid", 3);
        var client = studio.CreateClient();
        // The bounce is tied by the Message-ID SendGrid keeps (smtp-id); the report by our reference in its custom args.
        var body = JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object> { ["email"] = Address(sent[0]), ["timestamp"] = studio.Now.ToUnixTimeSeconds(), ["smtp-id"] = $"<{sent[0].MessageId}>",
                ["event"] = "bounce", ["type"] = "bounce", ["sg_event_id"] = "sg-bounce-1", ["status"] = "5.1.1", ["reason"] = "550 5.1.1 The email account does not exist" },
            new Dictionary<string, object> { ["email"] = Address(sent[1]), ["timestamp"] = studio.Now.ToUnixTimeSeconds(), ["event"] = "spamreport",
                ["sg_event_id"] = "sg-spam-1", ["campaignstudio_message"] = sent[1].Headers[MessageReferences.Header]! },
            new Dictionary<string, object> { ["email"] = Address(sent[2]), ["timestamp"] = studio.Now.ToUnixTimeSeconds(), ["event"] = "delivered", ["sg_event_id"] = "sg-delivered-1" },
        });

        (await SendGridAsync(client, body, null)).ShouldBe(HttpStatusCode.Unauthorized);
        (await SendGridAsync(client, body, studio.SendGridSign(body, studio.Now.AddMinutes(-10)))).ShouldBe(HttpStatusCode.BadRequest);
        (await SendGridAsync(client, body.Replace("sg-bounce-1", "sg-bounce-2", StringComparison.Ordinal), studio.SendGridSign(body, studio.Now))).ShouldBe(HttpStatusCode.Unauthorized);
        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.OptedIn);

        var signature = studio.SendGridSign(body, studio.Now);
        (await SendGridAsync(client, body, signature)).ShouldBe(HttpStatusCode.OK);
        (await SendGridAsync(client, body, signature)).ShouldBe(HttpStatusCode.OK, "a replay within the window is answered, and counts once");

        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.Bounced);
        (await studio.EventAsync("sendgrid:sg-bounce-1")).MatchedBy.ShouldBe(BounceMatch.OriginalHeaders);
        (await studio.ConsentOfAsync(sent[1])).Status.ShouldBe(ConsentStatus.Complained);
        (await studio.ConsentOfAsync(sent[2])).Status.ShouldBe(ConsentStatus.OptedIn, "delivered is not a bounce");
        await using var db = await studio.Db.CreateDbContextAsync();
        (await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.BounceEvents, e => e.MailboxMessageId.StartsWith("sendgrid:"))).ShouldBe(2);
    }

    [Fact]
    public async Task MailgunSignedFailuresSuppressAndReusedTokensStaleOrForgedOnesAreRefused()
    {
        var sent = await studio.SendAsync("mailgun", 3);
        var client = studio.CreateClient();
        string Body(MimeMessage mail, string id, string eventName, string? severity, object signature, bool byReference = true) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["signature"] = signature,
            ["event-data"] = new Dictionary<string, object?>
            {
                ["id"] = id, ["event"] = eventName, ["severity"] = severity, ["recipient"] = Address(mail),
                ["timestamp"] = studio.Now.ToUnixTimeMilliseconds() / 1000.0,
                ["delivery-status"] = new { code = 550, message = "5.1.1 No such user here", description = "" },
                ["message"] = new { headers = new Dictionary<string, string> { ["message-id"] = mail.MessageId! } },
                ["user-variables"] = byReference ? new Dictionary<string, string> { ["campaignstudio_message"] = mail.Headers[MessageReferences.Header]! } : new(),
            },
        });

        var hard = Body(sent[0], "mg-1", "failed", "permanent", WebhookStudio.MailgunSignature(studio.Now, "token-1"));
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[0], "mg-1", "failed", "permanent", new { }))).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[0], "mg-1", "failed", "permanent", WebhookStudio.MailgunSignature(studio.Now, "token-0", "another-key")))).ShouldBe(HttpStatusCode.Unauthorized);
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[0], "mg-1", "failed", "permanent", WebhookStudio.MailgunSignature(studio.Now.AddMinutes(-10), "token-old")))).ShouldBe(HttpStatusCode.BadRequest);
        (await studio.ConsentOfAsync(sent[0])).Status.ShouldBe(ConsentStatus.OptedIn);

        (await PostAsync(client, "/webhooks/mailgun", hard)).ShouldBe(HttpStatusCode.OK);
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[1], "mg-forged", "complained", null, WebhookStudio.MailgunSignature(studio.Now, "token-1"))))
            .ShouldBe(HttpStatusCode.Unauthorized, "the signature does not cover the event: a used token may not carry another one");
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[0], "mg-1", "failed", "permanent", WebhookStudio.MailgunSignature(studio.Now, "token-2"))))
            .ShouldBe(HttpStatusCode.OK, "Mailgun's retry of the same event with a new token");
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[1], "mg-2", "complained", null, WebhookStudio.MailgunSignature(studio.Now, "token-3"))))
            .ShouldBe(HttpStatusCode.OK);
        (await PostAsync(client, "/webhooks/mailgun", Body(sent[2], "mg-3", "failed", "temporary", WebhookStudio.MailgunSignature(studio.Now, "token-4"), byReference: false)))
            .ShouldBe(HttpStatusCode.OK);

        var (status, evidence) = await studio.ConsentOfAsync(sent[0]);
        status.ShouldBe(ConsentStatus.Bounced);
        evidence.ShouldHaveSingleItem().Note!.ShouldContain("Mailgun failed (permanent)");
        (await studio.ConsentOfAsync(sent[1])).Status.ShouldBe(ConsentStatus.Complained);
        var soft = await studio.EventAsync("mailgun:mg-3");
        soft.Kind.ShouldBe(BounceKind.Soft);
        soft.MatchedBy.ShouldBe(BounceMatch.OriginalHeaders, "without our reference, the Message-ID Mailgun reports names the message");
        (await studio.ConsentOfAsync(sent[2])).Status.ShouldBe(ConsentStatus.OptedIn);
    }

    private async Task<HttpStatusCode> SendGridAsync(HttpClient client, string body, (string Signature, string Timestamp)? signed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sendgrid") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signed is { } s)
        {
            request.Headers.Add(Messaging.Bounces.Providers.SendGrid.SignatureHeader, s.Signature);
            request.Headers.Add(Messaging.Bounces.Providers.SendGrid.TimestampHeader, s.Timestamp);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, string path, string body, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Text(body) };
        request.Headers.Authorization = authorization;
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static StringContent Text(string body) => new(body, Encoding.UTF8, "text/plain");

    private static AuthenticationHeaderValue Basic(string user, string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static string Address(MimeMessage mail) => mail.To.Mailboxes.Single().Address;

    private string SesBounce(MimeMessage mail, string feedbackId, string bounceType) => JsonSerializer.Serialize(new
    {
        notificationType = "Bounce",
        bounce = new
        {
            bounceType, bounceSubType = "General", feedbackId, timestamp = studio.Now.ToString("O"),
            bouncedRecipients = new[] { new { emailAddress = Address(mail), action = "failed", status = "5.1.1", diagnosticCode = "smtp; 550 5.1.1 user unknown" } },
        },
        mail = SesMail(mail),
    });

    private string SesComplaint(MimeMessage mail, string feedbackId) => JsonSerializer.Serialize(new
    {
        notificationType = "Complaint",
        complaint = new { feedbackId, timestamp = studio.Now.ToString("O"), complaintFeedbackType = "abuse", complainedRecipients = new[] { new { emailAddress = Address(mail) } } },
        mail = SesMail(mail),
    });

    /// <summary>The mail part of an SES event with "include original headers" on; SES's own message id replaces the Message-ID.</summary>
    private static object SesMail(MimeMessage mail) => new
    {
        messageId = "0100018c-ses-" + Guid.NewGuid().ToString("N"),
        source = "news@shop.example.com",
        destination = new[] { Address(mail) },
        headers = new[]
        {
            new { name = "From", value = "news@shop.example.com" },
            new { name = MessageReferences.Header, value = mail.Headers[MessageReferences.Header]! },
        },
    };

    private string Postmark(MimeMessage mail, long id, string recordType, string type) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["RecordType"] = recordType, ["ID"] = id, ["Type"] = type, ["MessageID"] = Guid.NewGuid().ToString(), ["Email"] = Address(mail),
        ["Description"] = "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        ["Details"] = type == "HardBounce" ? "smtp;550 5.1.1 The email account that you tried to reach does not exist." : "mailbox full",
        ["BouncedAt"] = studio.Now.ToString("O"),
        ["Metadata"] = new Dictionary<string, string> { ["campaignstudio_message"] = mail.Headers["X-PM-Metadata-campaignstudio_message"]! },
    });
}
