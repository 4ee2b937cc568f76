namespace CampaignStudio.Domain.Customers;

/// <summary>Where a customer's predicted value ranks among the buyers scored in the same run.</summary>
public enum PredictedValueBand
{
    /// <summary>The lower 40 % of predicted value.</summary>
    Low,

    /// <summary>The next 30 %.</summary>
    Medium,

    /// <summary>The next 20 %.</summary>
    High,

    /// <summary>The top 10 %.</summary>
    Top,
}

/// <summary>
/// What the lifetime models (BG/NBD for purchases, Gamma-Gamma for spend) predict for one buyer, as of
/// <see cref="ScoredAt"/>. A table of its own rather than columns on <see cref="CustomerStats"/>: the stats are
/// rebuilt after every import, predictions only when the models are refitted.
/// </summary>
public class CustomerPrediction
{
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }

    /// <summary>Chance the customer has already left (1 − P(alive)), 0 to 1.</summary>
    public double ChurnRisk { get; set; }

    /// <summary>Purchases to expect in the next 30 days.</summary>
    public double ExpectedPurchases30 { get; set; }

    /// <summary>Purchases to expect in the next 90 days.</summary>
    public double ExpectedPurchases90 { get; set; }

    /// <summary>Purchases to expect in the next 365 days.</summary>
    public double ExpectedPurchases365 { get; set; }

    /// <summary>Expected amount per purchase.</summary>
    public decimal ExpectedAverageSpend { get; set; }

    /// <summary>Expected spend over the next 12 months (discounted when a discount rate is set).</summary>
    public decimal PredictedValue { get; set; }

    public PredictedValueBand ValueBand { get; set; }

    /// <summary>When the models scored this customer.</summary>
    public DateTime ScoredAt { get; set; }
}
