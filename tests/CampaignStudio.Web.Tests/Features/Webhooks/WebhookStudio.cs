using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace CampaignStudio.Web.Tests.Features.Webhooks;

/// <summary>
/// The studio with every provider webhook set up, sending to its pickup folder, plus a real local HTTP server standing in
/// for SNS: it serves a self-signed signing certificate and the subscription confirmation URL, and records what it was
/// asked. Test configuration allows plain http and the host 127.0.0.1 for SNS; nothing else.
/// </summary>
public sealed class WebhookStudio : StudioAppFactory, IAsyncLifetime
{
    public const string Topic = "arn:aws:sns:eu-central-1:123456789012:studio-bounces";
    public const string PostmarkUser = "postmark-hook";
    public const string PostmarkPassword = "a-long-postmark-password-2026";
    public const string MailgunKey = "key-0123456789abcdef0123456789abcdef";
    public const string CertificatePath = "/SimpleNotificationService-test.pem";

    private WebApplication? _sns;

    /// <summary>The key SNS signs with in these tests (its certificate is the only one the fake SNS serves).</summary>
    public RSA SnsKey { get; } = RSA.Create(2048);

    public ECDsa SendGridKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Every request the fake SNS received, as host:port/path?query.</summary>
    public ConcurrentQueue<string> SnsRequests { get; } = new();

    public int SnsPort { get; private set; }

    public string CertificateUrl(string host = "127.0.0.1") => $"http://{host}:{SnsPort}{CertificatePath}";

    public string SubscribeUrl(string token, string host = "127.0.0.1") => $"http://{host}:{SnsPort}/confirm?Action=ConfirmSubscription&Token={token}";

    public async Task InitializeAsync()
    {
        var request = new CertificateRequest("CN=sns.test.local", SnsKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pem = certificate.ExportCertificatePem();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _sns = builder.Build();
        _sns.Use(async (context, next) =>
        {
            SnsRequests.Enqueue($"{context.Request.Host}{context.Request.Path}{context.Request.QueryString}");
            await next(context);
        });
        _sns.MapGet(CertificatePath, () => Results.Text(pem, "application/x-pem-file"));
        _sns.MapGet("/confirm", () => Results.Text("<ConfirmSubscriptionResponse/>", "text/xml"));
        await _sns.StartAsync();
        SnsPort = new Uri(_sns.Urls.First()).Port;

        Settings["Campaigns:Worker:Enabled"] = "false";
        Settings["Bounces:Webhooks:SnsHosts"] = "127.0.0.1";
        Settings["Bounces:Webhooks:AllowHttpForSns"] = "true";
        _ = Services;
        await CampaignTestBuilder.SenderAsync(Services.GetRequiredService<SenderIdentityStore>());
        await Services.GetRequiredService<ProviderWebhookStore>().SaveAsync(new ProviderWebhookChange([Topic], PostmarkUser, PostmarkPassword,
            Convert.ToBase64String(SendGridKey.ExportSubjectPublicKeyInfo()), MailgunKey));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_sns is not null)
        {
            await _sns.DisposeAsync();
        }

        await DisposeAsync();
        SnsKey.Dispose();
        SendGridKey.Dispose();
    }

    public IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Sends a campaign to <paramref name="count"/> opted-in customers through the real pipeline; the mails as written, in customer order.</summary>
    public async Task<List<MimeMessage>> SendAsync(string prefix, int count)
    {
        var build = new CampaignTestBuilder(Services);
        var ids = await build.CustomersAsync(prefix, count, optedIn: count);
        var campaignId = await build.ScheduledCampaignAsync(prefix, await build.SegmentAsync(prefix, ids), await build.TemplateAsync(prefix));
        await SendPasses.DrainAsync(Services, campaignId);
        var outbox = Path.Combine(DataFolder, "outbox");
        var campaign = campaignId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mails = Directory.GetFiles(outbox, "*.eml").Select(f => MimeMessage.Load(f)).Where(m => m.Headers[MessageBuilder.CampaignHeader] == campaign)
            .OrderBy(m => int.Parse(m.To.Mailboxes.Single().Address[prefix.Length..].Split('@')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        mails.Count.ShouldBe(count);
        return mails;
    }

    public async Task<(ConsentStatus Status, List<ConsentRecord> Evidence)> ConsentOfAsync(MimeMessage mail)
    {
        await using var db = await Db.CreateDbContextAsync();
        var address = mail.To.Mailboxes.Single().Address;
        var customer = await db.Customers.AsNoTracking().SingleAsync(c => c.Email == address);
        var evidence = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == customer.Id && r.BounceEventId != null).ToListAsync();
        return (customer.EmailConsent, evidence);
    }

    public async Task<Domain.Bounces.BounceEvent> EventAsync(string key)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.BounceEvents.AsNoTracking().SingleAsync(e => e.MailboxMessageId == key);
    }

    /// <summary>An SNS message signed exactly as SNS signs: RSA (SHA1 for version 1, SHA256 for 2) over "name\nvalue\n" of the fixed fields in AWS's order.</summary>
    public string SnsBody(string type, string message, DateTimeOffset at, string version = "2", string? certificateUrl = null, string? subscribeUrl = null,
        string? token = null, string topic = Topic, string? subject = null, string messageId = "")
    {
        var fields = new Dictionary<string, string?>
        {
            ["Type"] = type,
            ["MessageId"] = messageId.Length > 0 ? messageId : Guid.NewGuid().ToString(),
            ["Token"] = token,
            ["TopicArn"] = topic,
            ["Subject"] = subject,
            ["Message"] = message,
            ["SubscribeURL"] = subscribeUrl,
            ["Timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["SignatureVersion"] = version,
            ["SigningCertURL"] = certificateUrl ?? CertificateUrl(),
        };
        string[] order = type == "Notification"
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
        var canonical = string.Concat(order.Where(n => fields[n] is not null).Select(n => $"{n}\n{fields[n]}\n"));
        fields["Signature"] = Convert.ToBase64String(SnsKey.SignData(Encoding.UTF8.GetBytes(canonical),
            version == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary());
    }

    /// <summary>SendGrid's signature headers for a body: ECDSA P-256 over the timestamp followed by the body, DER-encoded, base64.</summary>
    public (string Signature, string Timestamp) SendGridSign(string body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = SendGridKey.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return (Convert.ToBase64String(signature), timestamp);
    }

    /// <summary>Mailgun's signature block: HMAC-SHA256 of timestamp followed by token under the signing key, hex.</summary>
    public static object MailgunSignature(DateTimeOffset at, string token, string key = MailgunKey)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(timestamp + token));
        return new { timestamp, token, signature = Convert.ToHexStringLower(mac) };
    }
}
