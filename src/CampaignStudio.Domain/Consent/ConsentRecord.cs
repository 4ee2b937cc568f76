namespace CampaignStudio.Domain.Consent;

/// <summary>
/// One entry of the append-only consent log: what a person agreed to or withdrew, when, how and on whose word.
/// Rows are never updated or deleted; a correction is a new row.
/// </summary>
public class ConsentRecord
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public Customers.Customer? Customer { get; set; }

    public ConsentChannel Channel { get; set; } = ConsentChannel.Email;

    /// <summary>The list or purpose consented to (e.g. "newsletter").</summary>
    public string Purpose { get; set; } = ConsentPurposes.Marketing;

    public ConsentStatus Status { get; set; }
    public ConsentSource Source { get; set; }

    /// <summary>Version of the exact wording the person was shown (e.g. "signup-form-v3").</summary>
    public string? WordingVersion { get; set; }

    /// <summary>Who recorded it: a studio user's e-mail, "customer" or "system".</summary>
    public string Actor { get; set; } = "";

    public string? IpAddress { get; set; }
    public DateTime RecordedAt { get; set; }

    /// <summary>The campaign whose link or message led to this change, when there was one.</summary>
    public int? CampaignId { get; set; }

    public string? Note { get; set; }

    /// <summary>The bounce or complaint that is the evidence for this record (a <c>BounceEvent</c>), when there is one.</summary>
    public long? BounceEventId { get; set; }

    /// <summary>For a lifted suppression: the suppression record it lifts (a correction is a new row, never an edit).</summary>
    public long? LiftsRecordId { get; set; }
}

public enum ConsentChannel
{
    Email,
}

/// <summary>Consent state of one person on one channel.</summary>
public enum ConsentStatus
{
    /// <summary>No proof of consent: never mailed.</summary>
    Unknown,

    /// <summary>Signed up, waiting for the double opt-in confirmation.</summary>
    Pending,

    OptedIn,
    OptedOut,

    /// <summary>The address bounced hard: suppressed.</summary>
    Bounced,

    /// <summary>The person marked a message as spam: suppressed.</summary>
    Complained,
}

public enum ConsentSource
{
    Form,
    Import,
    Api,
    UnsubscribeLink,
    Admin,
    DoubleOptIn,
    PreferenceCentre,
    Bounce,

    /// <summary>A feedback report (ARF) from the person's mailbox provider: they marked a message as spam.</summary>
    ComplaintReport,

    /// <summary>A marketer lifted a soft-bounce suppression; the record restores the consent the person had given before.</summary>
    SuppressionLifted,
}

/// <summary>The lists and topics a person can choose in the preference centre.</summary>
public static class ConsentPurposes
{
    /// <summary>All marketing e-mail: the purpose <c>Customer.EmailConsent</c> follows and every campaign is sent under.</summary>
    public const string Marketing = "marketing";

    /// <summary>
    /// What the preference centre offers, with the words a customer reads. Only purposes the send pipeline enforces belong
    /// here: a topic a person can leave but that campaigns ignore would break the promise the page makes.
    /// </summary>
    public static readonly IReadOnlyList<(string Purpose, string Label, string Description)> Catalogue =
    [
        (Marketing, "News and offers by e-mail", "Newsletters, offers and product news from the shop."),
    ];
}
