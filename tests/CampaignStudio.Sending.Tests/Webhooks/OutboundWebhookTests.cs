using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Bounces;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Webhooks;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.Sending.Webhooks;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Sending.Tests.Webhooks;

/// <summary>
/// Outbound webhooks end to end: events recorded by the consent ledger, the bounce ledger and a campaign's completion land in
/// the outbox with the event, and the delivery worker POSTs them to a real HTTP listener (Kestrel on 127.0.0.1) that checks
/// every signature against the secret shown at creation, answers 503 to the first two attempts, and records the
/// idempotency keys. The studio's clock is the fixed one.
/// </summary>
public sealed class OutboundWebhookTests(SqliteSendingHost host) : IClassFixture<SqliteSendingHost>, IAsyncLifetime
{
    private readonly Receiver _receiver = new(() => host.Clock.GetUtcNow());

    private IServiceProvider Services => host.Services;

    private IDbContextFactory<AppDbContext> Db => host.Db;

    private CampaignTestBuilder Build => new(Services);

    public Task InitializeAsync() => _receiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();

        // Endpoints of one test must not receive the next test's events.
        await using var db = await Db.CreateDbContextAsync();
        await db.WebhookEndpoints.ExecuteDeleteAsync();
    }

    [Fact]
    public async Task AnOptOutIsDeliveredSignedAfterTwoFailedAttemptsWithOneIdempotencyKey()
    {
        var (endpoint, secret) = await Endpoints.CreateAsync(_receiver.Url("/hooks"), WebhookEvents.OptIn | WebhookEvents.OptOut, "admin@demo.local");
        _receiver.Secret = secret;
        _receiver.FailFirst = 2;
        var customer = (await Build.CustomersAsync("hook-out", 1, optedIn: 1)).Single();

        var recorded = await Services.GetRequiredService<ConsentLedger>().RecordAsync(new ConsentChange(customer, ConsentStatus.OptedOut, ConsentSource.UnsubscribeLink, "customer"));
        recorded.Recorded.ShouldBeTrue();
        await using (var db = await Db.CreateDbContextAsync())
        {
            // Written with the consent record, before anything was sent.
            (await db.WebhookDeliveries.SingleAsync(d => d.EndpointId == endpoint.Id)).Status.ShouldBe(WebhookDeliveryStatus.Pending);
        }

        (await Deliverer(retriesPerPass: 2).DeliverDueAsync(CancellationToken.None)).ShouldBe(1);

        _receiver.Requests.Count.ShouldBe(3);
        _receiver.Requests.ShouldAllBe(r => r.SignatureValid, "every attempt is signed with the secret shown at creation");
        _receiver.Requests.Select(r => r.Id).Distinct().Count().ShouldBe(1, "one idempotency key across the attempts");
        _receiver.Requests.Select(r => r.Status).ShouldBe([503, 503, 200]);
        using (var body = JsonDocument.Parse(_receiver.Requests[^1].Body))
        {
            body.RootElement.GetProperty("type").GetString().ShouldBe("customer.opted_out");
            body.RootElement.GetProperty("id").GetString().ShouldBe(_receiver.Requests[0].Id);
            body.RootElement.GetProperty("data").GetProperty("email").GetString().ShouldBe("hook-out0@example.com");
            body.RootElement.GetProperty("data").GetProperty("source").GetString().ShouldBe("UnsubscribeLink");
        }

        var log = (await Endpoints.LogAsync(endpoint.Id))!.Single();
        log.Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        log.Attempts.ShouldBe(3);
        log.LastStatusCode.ShouldBe(200);
        log.LastError.ShouldBeNull();
        (await Deliverer(retriesPerPass: 2).DeliverDueAsync(CancellationToken.None)).ShouldBe(0, "a delivered event is not sent again");
        _receiver.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task AnEndpointThatKeepsFailingIsGivenUpAfterTheAttemptsWithTheLastErrorAndARetrySendsItAgain()
    {
        var (endpoint, secret) = await Endpoints.CreateAsync(_receiver.Url("/hooks"), WebhookEvents.Bounce | WebhookEvents.Complaint, "admin@demo.local");
        _receiver.Secret = secret;
        _receiver.FailFirst = int.MaxValue;
        var customer = (await Build.CustomersAsync("hook-bounce", 1, optedIn: 1)).Single();

        // A hard bounce recorded at its one place queues the "bounce" event with it.
        await Services.GetRequiredService<BounceLedger>().RecordAsync(
            new BounceReading(BounceKind.Hard, "5.1.1", "user unknown", null, null, null),
            new BounceMail($"<bounce-{Guid.NewGuid():N}@mx.example>", "Undelivered", "MAILER-DAEMON@mx.example", host.Clock.GetUtcNow().UtcDateTime));
        var deliverer = Deliverer(retriesPerPass: 1, maxAttempts: 3);

        (await deliverer.DeliverDueAsync(CancellationToken.None)).ShouldBe(0);
        var first = (await Endpoints.LogAsync(endpoint.Id))!.Single();
        first.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        first.Attempts.ShouldBe(2);
        first.NextAttemptAt.ShouldNotBeNull();
        first.NextAttemptAt.Value.ShouldBeGreaterThan(host.Clock.GetUtcNow().UtcDateTime, "the next attempt waits (exponential backoff)");

        // Not due yet: nothing is tried; once the clock passes it, the last attempt fails and the delivery is given up.
        (await deliverer.DeliverDueAsync(CancellationToken.None)).ShouldBe(0);
        _receiver.Requests.Count.ShouldBe(2);
        host.Clock.Advance(first.NextAttemptAt.Value - host.Clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(1));
        await deliverer.DeliverDueAsync(CancellationToken.None);
        var failed = (await Endpoints.LogAsync(endpoint.Id))!.Single();
        failed.Status.ShouldBe(WebhookDeliveryStatus.Failed);
        failed.Attempts.ShouldBe(3);
        failed.LastStatusCode.ShouldBe(503);
        failed.LastError.ShouldBe("The endpoint answered 503 Service Unavailable.");
        failed.Type.ShouldBe("message.bounced");

        // A person retries once the endpoint is back: the same event, the same key.
        _receiver.FailFirst = 0;
        await Endpoints.RetryAsync(failed.Id);
        (await deliverer.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);
        _receiver.Requests.Select(r => r.Id).Distinct().ShouldBe([failed.IdempotencyKey]);
        _receiver.Requests.ShouldAllBe(r => r.SignatureValid);
        (await Endpoints.LogAsync(endpoint.Id))!.Single().Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        await Should.ThrowAsync<ArgumentException>(() => Endpoints.RetryAsync(failed.Id));
    }

    [Fact]
    public async Task AFinishedCampaignAndATestEventReachOnlyTheEndpointsThatAskedForThem()
    {
        var (finished, secret) = await Endpoints.CreateAsync(_receiver.Url("/finished"), WebhookEvents.CampaignFinished, "admin@demo.local");
        var (consentOnly, _) = await Endpoints.CreateAsync(_receiver.Url("/consent"), WebhookEvents.OptIn, "admin@demo.local");
        _receiver.Secret = secret;
        var ids = await Build.CustomersAsync("hook-campaign", 3, optedIn: 3);
        var campaignId = await Build.ScheduledCampaignAsync("Hook campaign", await Build.SegmentAsync("Hook audience", ids), await Build.TemplateAsync("Hook mail"));

        await SendPasses.DrainAsync(Services, campaignId);
        (await Endpoints.SendTestAsync(finished.Id)).ShouldNotBeNull();
        (await Deliverer(retriesPerPass: 0).DeliverDueAsync(CancellationToken.None)).ShouldBe(2);

        _receiver.Requests.ShouldAllBe(r => r.Path == "/finished" && r.SignatureValid);
        var bodies = _receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        bodies.Select(b => b.GetProperty("type").GetString()).Order().ShouldBe(["campaign.finished", "test"]);
        var done = bodies.Single(b => b.GetProperty("type").GetString() == "campaign.finished").GetProperty("data");
        done.GetProperty("campaignId").GetInt32().ShouldBe(campaignId);
        done.GetProperty("sent").GetInt32().ShouldBe(3);
        (await Endpoints.LogAsync(consentOnly.Id))!.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnEndpointNeedsAFullAddressAndAnEvent()
    {
        (await Should.ThrowAsync<ArgumentException>(() => Endpoints.CreateAsync("ftp://shop.example/hooks", WebhookEvents.OptIn, "admin"))).Message
            .ShouldBe("The address must be a full http:// or https:// URL.");
        (await Should.ThrowAsync<ArgumentException>(() => Endpoints.CreateAsync("https://shop.example/hooks", WebhookEvents.None, "admin"))).Message
            .ShouldStartWith("Choose at least one event");
    }

    private WebhookEndpoints Endpoints => Services.GetRequiredService<WebhookEndpoints>();

    private WebhookDeliverer Deliverer(int retriesPerPass, int maxAttempts = 8) => new(Db, Endpoints,
        new WebhookDeliveryOptions { RetriesPerPass = retriesPerPass, MaxAttempts = maxAttempts, RetryBaseDelay = TimeSpan.FromMilliseconds(20) },
        host.Clock, NullLogger<WebhookDeliverer>.Instance);

    private sealed record Received(string Path, string Id, string Body, bool SignatureValid, int Status);

    /// <summary>A shop's endpoint: Kestrel on a free local port, checking signatures like a careful receiver would.</summary>
    private sealed class Receiver(Func<DateTimeOffset> now) : IAsyncDisposable
    {
        private WebApplication? _app;
        private int _seen;

        public string Secret { get; set; } = "";

        /// <summary>Requests answered 503 before the endpoint starts answering 200.</summary>
        public int FailFirst { get; set; }

        public List<Received> Requests => [.. _requests];

        private readonly ConcurrentQueue<Received> _requests = new();

        public string Url(string path) => _app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + path;

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapPost("/{**path}", async (HttpContext context) =>
            {
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                var headers = context.Request.Headers;

                // The receiver shares the studio's fixed clock, so "recent" means recent on that day.
                var valid = WebhookSignature.Verify(Secret, headers[WebhookSignature.TimestampHeader], headers[WebhookSignature.SignatureHeader], body, now(), TimeSpan.FromMinutes(5));
                var status = !valid ? 401 : Interlocked.Increment(ref _seen) <= FailFirst ? 503 : 200;
                _requests.Enqueue(new Received(context.Request.Path, headers[WebhookSignature.IdHeader].ToString(), body, valid, status));
                context.Response.StatusCode = status;
            });
            await _app.StartAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
