namespace CampaignStudio.Domain.Campaigns;

/// <summary>
/// Proof that the send pipeline holds the lease on one message of a campaign to one customer. It is the only thing the
/// working links of a campaign e-mail (one-click unsubscribe, preference centre, click and open tracking) can be minted
/// from, and only the message ledger creates it, when it leases the message for sending. So a preview, a test send or a
/// review can never carry a link that acts in a customer's name (docs/decisions/035-links-only-in-sent-mail.md).
/// </summary>
public sealed class MessageDelivery
{
    internal MessageDelivery(long messageId, long customerId, int campaignId)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messageId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(customerId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(campaignId);
        MessageId = messageId;
        CustomerId = customerId;
        CampaignId = campaignId;
    }

    /// <summary>The message ledger row being sent.</summary>
    public long MessageId { get; }

    /// <summary>The customer the message goes to.</summary>
    public long CustomerId { get; }

    /// <summary>The campaign the message belongs to (always a real campaign: never 0).</summary>
    public int CampaignId { get; }
}
