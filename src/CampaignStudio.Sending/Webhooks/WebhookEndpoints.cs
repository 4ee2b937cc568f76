using System.Security.Cryptography;
using CampaignStudio.Data;
using CampaignStudio.Data.Webhooks;
using CampaignStudio.Domain.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Webhooks;

/// <summary>An endpoint as the settings page lists it: never the secret.</summary>
public sealed record WebhookEndpointView(int Id, string Url, WebhookEvents Events, bool IsActive, DateTime CreatedAt, int Delivered, int Pending, int Failed);

/// <summary>One line of an endpoint's delivery log.</summary>
public sealed record WebhookDeliveryView(long Id, string Type, WebhookDeliveryStatus Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? DeliveredAt, string IdempotencyKey);

/// <summary>
/// Registering endpoints and acting on their deliveries (test event, retry). The secret is created here, returned once and
/// stored protected by Data Protection; the delivery worker unprotects it to sign. No role checks: the studio's service checks.
/// </summary>
public sealed class WebhookEndpoints(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>The events an endpoint may opt in to (the test event is not one: it is sent on request).</summary>
    public const WebhookEvents Subscribable = WebhookEvents.OptIn | WebhookEvents.OptOut | WebhookEvents.Bounce | WebhookEvents.Complaint | WebhookEvents.CampaignFinished;

    private readonly IDataProtector _secrets = protection.CreateProtector("CampaignStudio.Webhooks.Secret.v1");

    /// <summary>Registers an endpoint; returns it with its secret, the only time the secret is shown.</summary>
    /// <exception cref="ArgumentException">The address or the events, in words.</exception>
    public async Task<(WebhookEndpointView Endpoint, string Secret)> CreateAsync(string url, WebhookEvents events, string createdBy, CancellationToken ct = default)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("The address must be a full http:// or https:// URL.");
        }

        if (uri.AbsoluteUri.Length > Domain.Limits.Url)
        {
            throw new ArgumentException($"The address is longer than {Domain.Limits.Url} characters.");
        }

        if ((events & Subscribable) == 0 || (events & ~Subscribable) != 0)
        {
            throw new ArgumentException("Choose at least one event: opt-in, opt-out, bounce, complaint or campaign finished.");
        }

        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var endpoint = new WebhookEndpoint
        {
            Url = uri.AbsoluteUri, Events = events, SecretProtected = _secrets.Protect(secret), IsActive = true,
            CreatedBy = createdBy.Length > Domain.Limits.Email ? createdBy[..Domain.Limits.Email] : createdBy, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.WebhookEndpoints.Add(endpoint);
        await db.SaveChangesAsync(ct);
        return (new WebhookEndpointView(endpoint.Id, endpoint.Url, endpoint.Events, true, endpoint.CreatedAt, 0, 0, 0), secret);
    }

    /// <summary>The secret to sign with (the worker only).</summary>
    internal string SecretOf(WebhookEndpoint endpoint) => _secrets.Unprotect(endpoint.SecretProtected);

    public async Task<IReadOnlyList<WebhookEndpointView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.WebhookDeliveries.AsNoTracking().GroupBy(d => new { d.EndpointId, d.Status })
            .Select(g => new { g.Key.EndpointId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id).ToListAsync(ct);
        int Count(int id, WebhookDeliveryStatus s) => counts.Where(c => c.EndpointId == id && c.Status == s).Sum(c => c.Count);
        return [.. endpoints.Select(e => new WebhookEndpointView(e.Id, e.Url, e.Events, e.IsActive, e.CreatedAt,
            Count(e.Id, WebhookDeliveryStatus.Delivered), Count(e.Id, WebhookDeliveryStatus.Pending), Count(e.Id, WebhookDeliveryStatus.Failed)))];
    }

    /// <summary>The latest deliveries of an endpoint, newest first; null for an unknown endpoint.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>?> LogAsync(int endpointId, int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == endpointId, ct))
        {
            return null;
        }

        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpointId).OrderByDescending(d => d.Id).Take(take).ToListAsync(ct);
        return [.. rows.Select(d => new WebhookDeliveryView(d.Id, WebhookOutbox.TypeOf(d.Event), d.Status, d.Attempts, d.LastStatusCode, d.LastError,
            d.CreatedAt, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt, d.IdempotencyKey))];
    }

    /// <summary>Queues a test event for one endpoint (delivered, signed and logged like any other); null for an unknown endpoint.</summary>
    public async Task<long?> SendTestAsync(int endpointId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == endpointId, ct))
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var key = Guid.NewGuid().ToString("N");
        var delivery = new WebhookDelivery
        {
            EndpointId = endpointId, Event = WebhookEvents.Test, IdempotencyKey = key, Status = WebhookDeliveryStatus.Pending, CreatedAt = now, NextAttemptAt = now,
            Payload = WebhookOutbox.Payload(key, WebhookEvents.Test, now, new { message = "A test event from CampaignStudio." }),
        };
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(ct);
        return delivery.Id;
    }

    /// <summary>Sends a failed delivery again from its first attempt (same body, same idempotency key).</summary>
    /// <exception cref="ArgumentException">Unknown, or not failed.</exception>
    public async Task RetryAsync(long deliveryId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.WebhookDeliveries.Where(d => d.Id == deliveryId && d.Status == WebhookDeliveryStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, WebhookDeliveryStatus.Pending).SetProperty(d => d.Attempts, 0).SetProperty(d => d.NextAttemptAt, now), ct);
        if (changed == 0)
        {
            throw new ArgumentException(await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId, ct)
                ? "Only a failed delivery can be retried; this one is delivered or still being tried."
                : "There is no such delivery.");
        }
    }

    /// <summary>Removes an endpoint and its log; false when unknown.</summary>
    public async Task<bool> DeleteAsync(int endpointId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookEndpoints.Where(e => e.Id == endpointId).ExecuteDeleteAsync(ct) > 0;
    }
}
