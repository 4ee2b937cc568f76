namespace CampaignStudio.Domain.Customers;

/// <summary>Something a customer did: opened or clicked an e-mail, visited, viewed a product, or any custom event type.</summary>
public class CustomerEvent
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }

    public string Type { get; set; } = "";
    public DateTime OccurredAt { get; set; }

    /// <summary>Free-form properties as JSON (e.g. the product or the link).</summary>
    public string? PropertiesJson { get; set; }

    public int? CampaignId { get; set; }

    /// <summary>Idempotency key, like <see cref="Purchase.SourceKey"/>.</summary>
    public string SourceKey { get; set; } = "";
}

/// <summary>Event types the studio itself records.</summary>
public static class EventTypes
{
    public const string EmailOpen = "email_open";
    public const string EmailClick = "email_click";
    public const string Visit = "visit";
}
