namespace CampaignStudio.Domain.Customers;

/// <summary>One order line or order of a customer.</summary>
public class Purchase
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }

    /// <summary>The shop's order id when known.</summary>
    public string? OrderId { get; set; }

    public decimal Amount { get; set; }
    public string Currency { get; set; } = "EUR";
    public string? Category { get; set; }
    public string? Product { get; set; }
    public DateTime PurchasedAt { get; set; }

    /// <summary>Idempotency key: the order id, or a hash of the row when the source has none, so re-imports add nothing twice.</summary>
    public string SourceKey { get; set; } = "";
}
