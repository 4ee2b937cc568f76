using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Webhooks;

/// <summary>
/// Writes outbound webhook deliveries into the outbox: one row per active endpoint that opted in to the event. Called where
/// each event is recorded (consent ledger, bounce ledger, campaign completion), on the caller's context and inside its
/// transaction, so the event and its deliveries commit together or not at all.
/// </summary>
public static class WebhookOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The event names in the payload's <c>type</c>.</summary>
    public static string TypeOf(WebhookEvents e) => e switch
    {
        WebhookEvents.OptIn => "customer.opted_in",
        WebhookEvents.OptOut => "customer.opted_out",
        WebhookEvents.Bounce => "message.bounced",
        WebhookEvents.Complaint => "message.complained",
        WebhookEvents.CampaignFinished => "campaign.finished",
        WebhookEvents.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "Exactly one event."),
    };

    /// <summary>
    /// Queues the event for every endpoint that wants it and saves (in the caller's transaction when there is one).
    /// Returns the deliveries queued; none when no endpoint listens.
    /// </summary>
    public static async Task<int> AddAsync(AppDbContext db, WebhookEvents e, object data, DateTime now, CancellationToken ct = default)
    {
        // Endpoints are few; the flags are text in the database, so the match is made here.
        var endpoints = (await db.WebhookEndpoints.AsNoTracking().Where(x => x.IsActive).Select(x => new { x.Id, x.Events }).ToListAsync(ct))
            .Where(x => x.Events.HasFlag(e)).ToList();
        if (endpoints.Count == 0)
        {
            return 0;
        }

        foreach (var endpoint in endpoints)
        {
            var key = Guid.NewGuid().ToString("N");
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                EndpointId = endpoint.Id,
                Event = e,
                IdempotencyKey = key,
                Payload = Payload(key, e, now, data),
                Status = WebhookDeliveryStatus.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        return endpoints.Count;
    }

    /// <summary>The body: {id, type, occurredAt, data}; the id is the delivery's idempotency key.</summary>
    public static string Payload(string id, WebhookEvents e, DateTime occurredAt, object data) =>
        JsonSerializer.Serialize(new { id, type = TypeOf(e), occurredAt = DateTime.SpecifyKind(occurredAt, DateTimeKind.Utc), data }, Json);
}
