namespace CampaignStudio.Domain.Bounces;

/// <summary>
/// One mail found in the bounce mailbox, as the studio understood it: a hard or soft bounce, a spam complaint, or mail it
/// could not read (kept and counted, never dropped). Recorded once per mailbox message (its Message-ID), so reading the
/// mailbox again after a crash adds nothing.
/// </summary>
public class BounceEvent
{
    public long Id { get; set; }

    /// <summary>The Message-ID of the mail in the bounce mailbox (or a hash of its bytes when it has none): the idempotency key.</summary>
    public string MailboxMessageId { get; set; } = "";

    public BounceKind Kind { get; set; }

    /// <summary>How the mail was tied to the message it is about.</summary>
    public BounceMatch MatchedBy { get; set; }

    /// <summary>The message ledger row the bounce is about, when it could be found.</summary>
    public long? MessageId { get; set; }

    public int? CampaignId { get; set; }
    public long? CustomerId { get; set; }

    /// <summary>The enhanced status code (RFC 3463), e.g. "5.1.1", when the mail carried or named one.</summary>
    public string? StatusCode { get; set; }

    /// <summary>The receiving server's words (the DSN's Diagnostic-Code, or the sentence the phrase table matched).</summary>
    public string? Diagnostic { get; set; }

    /// <summary>Subject and sender of the bounce mail, so a person can find it in the mailbox.</summary>
    public string? Subject { get; set; }

    public string? From { get; set; }

    /// <summary>For complaints: the machine-readable part of the feedback report (ARF), the proof of the complaint.</summary>
    public string? Evidence { get; set; }

    public DateTime ReceivedAt { get; set; }
    public DateTime RecordedAt { get; set; }

    /// <summary>What the policy did with it, in words ("suppressed: hard bounce", "soft bounce 2 of 3 in 30 days").</summary>
    public string? Outcome { get; set; }
}

public enum BounceKind
{
    /// <summary>The address does not exist or refuses mail for good: one is enough to stop mailing it.</summary>
    Hard,

    /// <summary>A passing problem (mailbox full, server busy): only repeated soft bounces stop mailing.</summary>
    Soft,

    /// <summary>The person marked the message as spam (a feedback report from their mailbox provider).</summary>
    Complaint,

    /// <summary>Mail in the bounce mailbox the studio could not read: kept in the mailbox and counted, for a person to look at.</summary>
    NotUnderstood,
}

public enum BounceMatch
{
    /// <summary>Not tied to any message sent.</summary>
    None,

    /// <summary>By the signed return address (VERP) the message went out with.</summary>
    ReturnAddress,

    /// <summary>By the original message's headers quoted in the report (our recipient header or the Message-ID).</summary>
    OriginalHeaders,
}
