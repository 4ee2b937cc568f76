using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;
using Polly;
using Polly.Retry;

namespace CampaignStudio.Sending.Webhooks;

/// <summary>The delivery worker's knobs (configuration section <c>Webhooks:Delivery</c>).</summary>
public sealed class WebhookDeliveryOptions
{
    public const string Section = "Webhooks:Delivery";

    /// <summary>Attempts in all before a delivery is given up as Failed (a person may retry it).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Retries within one pass, each after an exponentially growing wait (Polly), before the row waits for a later pass.</summary>
    public int RetriesPerPass { get; set; } = 2;

    /// <summary>The first retry's wait; each next one doubles, within a pass and between passes.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between passes for one delivery.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long one attempt waits for the endpoint's answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries taken per pass.</summary>
    public int BatchSize { get; set; } = 50;
}

/// <summary>
/// Sends the outbox's due deliveries: each POSTed as JSON, signed (<see cref="WebhookSignature"/>), with the same
/// <c>Webhook-Id</c> on every attempt; retried with exponential backoff (Polly) within a pass and, persisted in the row,
/// between passes; after <see cref="WebhookDeliveryOptions.MaxAttempts"/> given up as Failed. Every attempt's answer is in
/// the row (status code, error), which is the endpoint's delivery log.
/// </summary>
public sealed class WebhookDeliverer(IDbContextFactory<AppDbContext> dbFactory, WebhookEndpoints endpoints, WebhookDeliveryOptions options,
    TimeProvider clock, ILogger<WebhookDeliverer> log) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>One pass over the due deliveries; returns how many were delivered.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<(WebhookDelivery Delivery, WebhookEndpoint Endpoint)> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = [.. (await db.WebhookDeliveries.AsNoTracking()
                    .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now)
                    .OrderBy(d => d.Id).Take(options.BatchSize)
                    .Join(db.WebhookEndpoints.AsNoTracking(), d => d.EndpointId, e => e.Id, (d, e) => new { d, e })
                    .ToListAsync(ct))
                .Select(x => (x.d, x.e))];
        }

        var delivered = 0;
        foreach (var (delivery, endpoint) in due)
        {
            if (await DeliverAsync(delivery, endpoint, ct))
            {
                delivered++;
            }
        }

        return delivered;
    }

    private async Task<bool> DeliverAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, CancellationToken ct)
    {
        var secret = endpoints.SecretOf(endpoint);
        var left = Math.Max(1, options.MaxAttempts - delivery.Attempts);
        var tries = 0;
        int? status = null;
        string? error = null;
        var builder = new ResiliencePipelineBuilder<bool> { TimeProvider = clock };
        var retries = Math.Min(options.RetriesPerPass, left - 1);
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = new PredicateBuilder<bool>().HandleResult(false),
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = options.RetryBaseDelay,
            });
        }

        var ok = await builder.Build().ExecuteAsync(async token =>
        {
            tries++;
            (status, error) = await AttemptAsync(delivery, endpoint.Url, secret, token);
            return error is null;
        }, ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var attempts = delivery.Attempts + tries;
        var outcome = ok ? WebhookDeliveryStatus.Delivered : attempts >= options.MaxAttempts ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending;
        var next = now + Backoff(attempts);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.WebhookDeliveries.Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, outcome)
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.LastStatusCode, status)
            .SetProperty(d => d.LastError, error)
            .SetProperty(d => d.DeliveredAt, ok ? now : null)
            .SetProperty(d => d.NextAttemptAt, ok ? delivery.NextAttemptAt : next), ct);
        if (outcome == WebhookDeliveryStatus.Failed)
        {
            log.LogWarning("Webhook delivery {DeliveryId} to endpoint {EndpointId} failed after {Attempts} attempts: {Error}", delivery.Id, endpoint.Id, attempts, error);
        }

        return ok;
    }

    /// <summary>The wait before the next pass's attempt: the base doubled per attempt so far, capped.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var factor = Math.Pow(2, Math.Min(attempts, 30));
        var ticks = Math.Min(options.RetryBaseDelay.Ticks * factor, options.MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>One POST; the status code and, unless 2xx, what went wrong in words.</summary>
    private async Task<(int? Status, string? Error)> AttemptAsync(WebhookDelivery delivery, string url, string secret, CancellationToken ct)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.IdHeader, delivery.IdempotencyKey);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, timestamp, delivery.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, Trim($"The endpoint answered {code} {response.ReasonPhrase}."));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"No answer within {options.Timeout.TotalSeconds:0.#} seconds.");
        }
        catch (HttpRequestException ex)
        {
            return (null, Trim($"Could not reach the endpoint: {ex.Message}"));
        }
    }

    private static string Trim(string s) => s.Length <= Domain.Limits.ShortText ? s : s[..Domain.Limits.ShortText];

    public void Dispose() => _http.Dispose();
}

/// <summary>Delivers outbound webhooks every <see cref="WebhookDeliveryOptions.CheckInterval"/>, one instance cluster-wide at a time (a lease).</summary>
public sealed class WebhookDeliveryWorker(WebhookDeliverer deliverer, ClusterLeases leases, WebhookDeliveryOptions options, SendWorkerOptions sendOptions,
    TimeProvider clock, ILogger<WebhookDeliveryWorker> log) : PeriodicWorker(clock, log)
{
    public const string LeaseName = "webhook-deliveries";

    protected override bool Enabled => sendOptions.Enabled && sendOptions.DeliverWebhooks;

    protected override TimeSpan Interval => options.CheckInterval;

    protected override string Work => "Delivering webhooks";

    protected override Task PassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>One pass under the lease; 0 when another instance holds it.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var lease = await leases.TryAcquireAsync(LeaseName, TimeSpan.FromMinutes(10), ct);
        return lease is null ? 0 : await deliverer.DeliverDueAsync(ct);
    }
}
