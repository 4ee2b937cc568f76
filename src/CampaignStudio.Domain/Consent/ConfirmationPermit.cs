namespace CampaignStudio.Domain.Consent;

/// <summary>
/// Proof that the consent rules allow a double opt-in confirmation e-mail to this customer now
/// (<see cref="ConsentRules.MayAskToConfirm"/>). Only the data layer's check creates it; the confirmation link and that
/// e-mail's unsubscribe link can be minted only from it.
/// </summary>
public sealed class ConfirmationPermit
{
    internal ConfirmationPermit(long customerId, string email, string? name, string purpose)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        CustomerId = customerId;
        Email = email;
        Name = name;
        Purpose = purpose;
    }

    public long CustomerId { get; }

    /// <summary>The address the confirmation goes to.</summary>
    public string Email { get; }

    /// <summary>The person's name for the To header, when known.</summary>
    public string? Name { get; }

    /// <summary>What the person is asked to confirm (a <see cref="ConsentPurposes"/> entry).</summary>
    public string Purpose { get; }
}

/// <summary>Why a confirmation e-mail may not be sent.</summary>
public enum ConfirmationRefusal
{
    /// <summary>It may be sent.</summary>
    None,

    /// <summary>There is no address to send it to (none, or the customer was erased).</summary>
    NoAddress,

    /// <summary>The person is subscribed already.</summary>
    AlreadyOptedIn,

    /// <summary>Staff may ask only people who never answered; after a no only the person's own new sign-up may ask again.</summary>
    SaidNo,

    /// <summary>A link in an e-mail may re-subscribe only someone who agreed before, on this channel and purpose.</summary>
    NeverAgreed,

    /// <summary>The address bounced, was reported as spam, or was erased on request.</summary>
    AddressSuppressed,

    /// <summary>The person got <see cref="ConsentRules.ConfirmationsPerDay"/> confirmation e-mails in the last 24 hours already.</summary>
    AskedTooOften,
}
