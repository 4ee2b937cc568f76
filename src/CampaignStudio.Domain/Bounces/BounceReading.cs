
namespace CampaignStudio.Domain.Bounces;

/// <summary>
/// What one mail in the bounce mailbox says, before it is tied to the studio's records.
/// </summary>
/// <param name="Kind">Hard, soft, complaint, or not understood.</param>
/// <param name="StatusCode">The enhanced status code (RFC 3463) found, e.g. "5.1.1".</param>
/// <param name="Diagnostic">The receiving server's words.</param>
/// <param name="ReturnAddressMessageId">The message ledger id our signed return address (VERP) names, when one was found.</param>
/// <param name="OriginalLedgerId">The message ledger id of our recipient header in the quoted original message (unsigned: checked against the Message-ID).</param>
/// <param name="OriginalMessageId">The Message-ID of the quoted original message.</param>
/// <param name="Evidence">For a complaint: the feedback report's machine-readable part.</param>
public sealed record BounceReading(
    BounceKind Kind,
    string? StatusCode,
    string? Diagnostic,
    long? ReturnAddressMessageId,
    long? OriginalLedgerId,
    string? OriginalMessageId,
    string? Evidence = null)
{
    /// <summary>Why the classifier decided as it did, in a line (shown beside unreadable mail).</summary>
    public string? Note { get; init; }
}
