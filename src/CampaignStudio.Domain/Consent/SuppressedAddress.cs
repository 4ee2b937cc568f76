namespace CampaignStudio.Domain.Consent;

/// <summary>
/// An address that must never be mailed again although its customer was erased: only a keyed hash of the normalised
/// address is kept, so the list proves nothing about who was a customer but still stops a re-imported address.
/// </summary>
public class SuppressedAddress
{
    public long Id { get; set; }

    /// <summary>HMAC-SHA256 of the lower-cased, trimmed address under the studio's suppression key, hex.</summary>
    public string AddressHash { get; set; } = "";

    public SuppressionReason Reason { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum SuppressionReason
{
    /// <summary>The customer asked to be erased.</summary>
    Erased,
}
