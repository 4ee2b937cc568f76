using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Links;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent.Public;

/// <summary>
/// What the public consent links do. The signed token is the only credential: no cookie, no sign-in. A token that does not
/// verify (tampered, swapped between kinds, guessed, expired, or the inert token of a preview) yields null and nothing is
/// read or written. Withdrawing consent is one click; subscribing from here only mails a confirmation, and only to someone
/// who agreed before (<see cref="ConsentRules.MayAskToConfirm"/>).
/// </summary>
public sealed class PublicConsentService(IDbContextFactory<AppDbContext> dbFactory, SignedTokenService tokens, ConsentLedger ledger, DoubleOptInMailer doubleOptIn,
    SenderIdentityStore senders, TimeProvider clock)
{
    /// <summary>The wording the preference centre shows beside its choices; recorded with every choice made there.</summary>
    public const string PreferenceCentreWording = "preference-centre-v1";

    /// <summary>The wording of the double opt-in confirmation page; recorded with the confirmation.</summary>
    public const string ConfirmationWording = "double-opt-in-page-v1";

    public async Task<SubscriptionView?> ReadUnsubscribeAsync(string? token, CancellationToken ct = default) =>
        tokens.TryReadUnsubscribeToken(token, out var request) ? await ViewAsync(request.CustomerId, ct) : null;

    /// <summary>The RFC 8058 one-click opt-out: committed before the caller answers. Null for a bad token.</summary>
    public async Task<SubscriptionView?> UnsubscribeAsync(string? token, string? ipAddress, ConsentSource source, CancellationToken ct = default)
    {
        if (!tokens.TryReadUnsubscribeToken(token, out var request) || await ViewAsync(request.CustomerId, ct) is not { } view)
        {
            return null;
        }

        // A second click (or a provider retrying the POST) changes nothing and adds no row.
        if (view.Status is not (ConsentStatus.OptedOut or ConsentStatus.Bounced or ConsentStatus.Complained))
        {
            await ledger.RecordAsync(new ConsentChange(request.CustomerId, ConsentStatus.OptedOut, source, "customer",
                IpAddress: ipAddress, CampaignId: request.CampaignId > 0 ? request.CampaignId : null), ct);
        }

        return await ViewAsync(request.CustomerId, ct);
    }

    /// <summary>
    /// Applies the preference centre: every purpose not listed in <paramref name="wanted"/> is withdrawn at once; a listed
    /// purpose the person does not have yet is not switched on here — they get a confirmation e-mail if they agreed to it
    /// before, otherwise the page says why not. Null for a bad token.
    /// </summary>
    public async Task<PreferencesResult?> SavePreferencesAsync(string? token, IReadOnlyCollection<string> wanted, string? ipAddress, CancellationToken ct = default)
    {
        if (!tokens.TryReadUnsubscribeToken(token, out var request) || await ViewAsync(request.CustomerId, ct) is not { } view)
        {
            return null;
        }

        var campaignId = request.CampaignId > 0 ? request.CampaignId : (int?)null;
        var outcome = PreferencesOutcome.Saved;
        foreach (var (purpose, _, _) in ConsentPurposes.Catalogue)
        {
            var choice = view.Purposes.Single(p => p.Purpose == purpose);
            var wantOn = wanted.Contains(purpose);
            if (choice.Subscribed && !wantOn)
            {
                await ledger.RecordAsync(new ConsentChange(request.CustomerId, ConsentStatus.OptedOut, ConsentSource.PreferenceCentre, "customer",
                    IpAddress: ipAddress, CampaignId: campaignId, Purpose: purpose), ct);
            }
            else if (!choice.Subscribed && wantOn)
            {
                var sent = await doubleOptIn.SendAsync(request.CustomerId, PreferenceCentreWording, ConsentSource.PreferenceCentre, "customer", ipAddress, ct,
                    campaignId, purpose);
                outcome = sent.Sent ? PreferencesOutcome.ConfirmationSent
                    : sent.Refusal != ConfirmationRefusal.None ? PreferencesOutcome.SubscribeNotPossible
                    : PreferencesOutcome.ConfirmationFailed;
            }
        }

        return new PreferencesResult(await ViewAsync(request.CustomerId, ct) ?? view, outcome);
    }

    public async Task<SubscriptionView?> ReadConfirmationAsync(string? token, CancellationToken ct = default) =>
        tokens.TryReadDoubleOptInToken(token, out var customerId) ? await ViewAsync(customerId, ct) : null;

    /// <summary>The double opt-in POST: pending becomes opted in, with the page's wording and the IP. Null for a bad token.</summary>
    public async Task<ConfirmationResult?> ConfirmAsync(string? token, string? ipAddress, CancellationToken ct = default)
    {
        if (!tokens.TryReadDoubleOptInToken(token, out var customerId) || await ViewAsync(customerId, ct) is not { } view)
        {
            return null;
        }

        if (view.Status == ConsentStatus.OptedIn)
        {
            return ConfirmationResult.AlreadyConfirmed;
        }

        // Only a pending sign-up can be confirmed: after an opt-out or a bounce an old link must not subscribe anyone again.
        if (view.Status != ConsentStatus.Pending)
        {
            return ConfirmationResult.NotPending;
        }

        var outcome = await ledger.RecordAsync(new ConsentChange(customerId, ConsentStatus.OptedIn, ConsentSource.DoubleOptIn, "customer",
            ConfirmationWording, ipAddress), ct);
        return outcome.Recorded && outcome.Status == ConsentStatus.OptedIn ? ConfirmationResult.Confirmed : ConfirmationResult.NotPending;
    }

    private async Task<SubscriptionView?> ViewAsync(long customerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == customerId && !c.IsErased)
            .Select(c => new { c.Email, c.EmailConsent }).FirstOrDefaultAsync(ct);
        if (customer is null)
        {
            return null;
        }

        var log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == customerId && r.Channel == ConsentChannel.Email).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var purposes = ConsentPurposes.Catalogue
            .Select(p => new PurposeChoice(p.Purpose, p.Label, p.Description, ConsentRules.Derive(log, p.Purpose) == ConsentStatus.OptedIn,
                ConsentRules.Derive(log, p.Purpose) == ConsentStatus.Pending, ConsentRules.MayAskToConfirm(log, ConsentSource.PreferenceCentre, now, p.Purpose)))
            .ToList();
        return new SubscriptionView(Mask(customer.Email), customer.EmailConsent, purposes, (await senders.GetAsync(ct)).FromName);
    }

    /// <summary>Whoever holds the link sees which address it is for, but not all of it.</summary>
    internal static string Mask(string? email)
    {
        if (string.IsNullOrEmpty(email) || email.IndexOf('@') is var at && at < 1)
        {
            return "your address";
        }

        return email[0] + new string('•', Math.Min(6, Math.Max(1, at - 1))) + email[at..];
    }
}

/// <param name="SenderName">Who the e-mails come from (the shop), to name on the page.</param>
public sealed record SubscriptionView(string MaskedEmail, ConsentStatus Status, IReadOnlyList<PurposeChoice> Purposes, string? SenderName = null);

/// <param name="Pending">A confirmation e-mail was sent and not clicked yet.</param>
/// <param name="CannotSubscribe">Why ticking this purpose would not send a confirmation e-mail (None: it would, or it is on already).</param>
public sealed record PurposeChoice(string Purpose, string Label, string Description, bool Subscribed, bool Pending = false,
    ConfirmationRefusal CannotSubscribe = ConfirmationRefusal.None)
{
    /// <summary>The box may be ticked: it is on, or switching it on mails a confirmation.</summary>
    public bool CanTick => Subscribed || CannotSubscribe is ConfirmationRefusal.None or ConfirmationRefusal.AlreadyOptedIn;
}

/// <summary>What saving the preference centre did, shown on the page after the redirect.</summary>
public enum PreferencesOutcome
{
    Saved,

    /// <summary>A purpose was ticked: a confirmation e-mail went out, and only its click subscribes.</summary>
    ConfirmationSent,

    /// <summary>A purpose was ticked by someone who may not be asked from here (never agreed, or the address is suppressed).</summary>
    SubscribeNotPossible,

    /// <summary>The confirmation e-mail could not be sent just now.</summary>
    ConfirmationFailed,
}

public sealed record PreferencesResult(SubscriptionView View, PreferencesOutcome Outcome);

public enum ConfirmationResult
{
    Confirmed,
    AlreadyConfirmed,
    NotPending,
}

