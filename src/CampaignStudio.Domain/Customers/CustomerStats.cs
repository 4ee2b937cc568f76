namespace CampaignStudio.Domain.Customers;

/// <summary>
/// A customer's purchases summed up, so segment rules can test totals and RFM scores without reading every purchase.
/// Recomputed from the purchases after each import (see docs/decisions/012-customer-stats.md): the numbers are as of
/// <see cref="RefreshedAt"/>, not live.
/// </summary>
public class CustomerStats
{
    /// <summary>The lowest RFM score.</summary>
    public const int MinScore = 1;

    /// <summary>The highest RFM score (quintiles: 1 to 5).</summary>
    public const int MaxScore = 5;

    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }

    /// <summary>Number of purchases.</summary>
    public int OrderCount { get; set; }

    /// <summary>Sum of all purchase amounts; 0 without purchases.</summary>
    public decimal TotalSpent { get; set; }

    /// <summary>Average purchase amount; null without purchases.</summary>
    public decimal? AverageOrderValue { get; set; }

    public DateTime? FirstPurchaseAt { get; set; }
    public DateTime? LastPurchaseAt { get; set; }

    /// <summary>Recency quintile among buyers, 5 = bought most recently; null without purchases.</summary>
    public int? RecencyScore { get; set; }

    /// <summary>Frequency quintile among buyers, 5 = buys most often; null without purchases.</summary>
    public int? FrequencyScore { get; set; }

    /// <summary>Monetary quintile among buyers, 5 = spent the most; null without purchases.</summary>
    public int? MonetaryScore { get; set; }

    /// <summary>When these numbers were computed.</summary>
    public DateTime RefreshedAt { get; set; }
}
