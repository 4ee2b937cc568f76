namespace CampaignStudio.Domain.Webhooks;

/// <summary>The events a shop's system can be told about; an endpoint opts in to any of them.</summary>
[Flags]
public enum WebhookEvents
{
    None = 0,

    /// <summary>A customer agreed to receive marketing e-mail (the double opt-in click, an import with proof).</summary>
    OptIn = 1,

    /// <summary>A customer withdrew consent (unsubscribe link, preference centre, a person in the studio).</summary>
    OptOut = 2,

    /// <summary>A message bounced (hard or soft).</summary>
    Bounce = 4,

    /// <summary>A recipient marked a message as spam.</summary>
    Complaint = 8,

    /// <summary>A campaign finished sending.</summary>
    CampaignFinished = 16,

    /// <summary>"Send a test event" in Settings: goes to the one endpoint asked, whatever it opted in to.</summary>
    Test = 32,
}

/// <summary>An address of the shop's own system that the studio tells about events, signed with a secret only the two know.</summary>
public class WebhookEndpoint
{
    public int Id { get; set; }

    /// <summary>Where deliveries are POSTed (http or https).</summary>
    public string Url { get; set; } = "";

    /// <summary>The events it receives.</summary>
    public WebhookEvents Events { get; set; }

    /// <summary>The signing secret, protected by Data Protection; shown once when the endpoint is created.</summary>
    public string SecretProtected { get; set; } = "";

    public bool IsActive { get; set; } = true;

    public string CreatedBy { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>How far one delivery got.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its (next) attempt.</summary>
    Pending,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed: given up, until a person retries it.</summary>
    Failed,
}

/// <summary>
/// One event for one endpoint: the outbox row, written where the event itself is recorded (same transaction), so no event is
/// lost when the receiver is down or the studio stops; the delivery worker sends it and keeps the log.
/// </summary>
public class WebhookDelivery
{
    public long Id { get; set; }

    public int EndpointId { get; set; }

    /// <summary>Exactly one of <see cref="WebhookEvents"/>.</summary>
    public WebhookEvents Event { get; set; }

    /// <summary>The JSON body, fixed when the event happened (retries send the same bytes).</summary>
    public string Payload { get; set; } = "";

    /// <summary>Sent as <c>Webhook-Id</c>: the same on every attempt, so the receiver can drop repeats.</summary>
    public string IdempotencyKey { get; set; } = "";

    public WebhookDeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the next attempt is due (Pending only).</summary>
    public DateTime NextAttemptAt { get; set; }

    public DateTime? DeliveredAt { get; set; }

    /// <summary>The HTTP status of the last answer; null when none came (no connection, timeout).</summary>
    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }
}
