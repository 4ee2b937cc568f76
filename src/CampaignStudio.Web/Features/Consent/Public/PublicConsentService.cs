using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Links;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent.Public;

/// <summary>
/// What the public consent links do. The signed token is the only credential: no cookie, no sign-in. A token that does not
/// verify (tampered, swapped between kinds, guessed or expired) yields null and nothing is read or written.
/// </summary>
public sealed class PublicConsentService(IDbContextFactory<AppDbContext> dbFactory, SignedTokenService tokens, ConsentLedger ledger)
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

    /// <summary>Applies the preference centre: every purpose listed in <paramref name="wanted"/> on, every other purpose off.</summary>
    public async Task<SubscriptionView?> SavePreferencesAsync(string? token, IReadOnlyCollection<string> wanted, string? ipAddress, CancellationToken ct = default)
    {
        if (!tokens.TryReadUnsubscribeToken(token, out var request) || await ViewAsync(request.CustomerId, ct) is not { } view)
        {
            return null;
        }

        var campaignId = request.CampaignId > 0 ? request.CampaignId : (int?)null;
        foreach (var (purpose, _, _) in ConsentPurposes.Catalogue)
        {
            var isOn = view.Purposes.Any(p => p.Purpose == purpose && p.Subscribed);
            var wantOn = wanted.Contains(purpose);
            if (isOn == wantOn)
            {
                continue;
            }

            await ledger.RecordAsync(new ConsentChange(request.CustomerId, wantOn ? ConsentStatus.OptedIn : ConsentStatus.OptedOut, ConsentSource.PreferenceCentre,
                "customer", wantOn ? PreferenceCentreWording : null, ipAddress, campaignId, Purpose: purpose), ct);
        }

        return await ViewAsync(request.CustomerId, ct);
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
        var purposes = ConsentPurposes.Catalogue
            .Select(p => new PurposeChoice(p.Purpose, p.Label, p.Description, ConsentRules.Derive(log, p.Purpose) == ConsentStatus.OptedIn))
            .ToList();
        return new SubscriptionView(Mask(customer.Email), customer.EmailConsent, purposes);
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

public sealed record SubscriptionView(string MaskedEmail, ConsentStatus Status, IReadOnlyList<PurposeChoice> Purposes);

public sealed record PurposeChoice(string Purpose, string Label, string Description, bool Subscribed);

public enum ConfirmationResult
{
    Confirmed,
    AlreadyConfirmed,
    NotPending,
}

/// <summary>Where a double opt-in token lives on the web: GET shows a confirm button, POST confirms.</summary>
public static class DoubleOptInLinks
{
    public const string Route = "/confirm/{token}";

    public static string For(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/confirm/{Uri.EscapeDataString(token)}";
}
