using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>One consent event to append to the log.</summary>
/// <param name="Actor">A studio user's e-mail, "customer" (the person, by a signed link or form) or "system".</param>
public sealed record ConsentChange(
    long CustomerId,
    ConsentStatus Status,
    ConsentSource Source,
    string Actor,
    string? WordingVersion = null,
    string? IpAddress = null,
    int? CampaignId = null,
    string? Note = null,
    string Purpose = ConsentPurposes.Marketing,
    ConsentChannel Channel = ConsentChannel.Email)
{
    /// <summary>The bounce or complaint that is the evidence (see <see cref="ConsentRecord.BounceEventId"/>).</summary>
    public long? BounceEventId { get; init; }

    /// <summary>The suppression record a lift corrects (see <see cref="ConsentRecord.LiftsRecordId"/>).</summary>
    public long? LiftsRecordId { get; init; }
}

/// <summary>What the ledger did: the status after the change, or why nothing was recorded.</summary>
public sealed record ConsentOutcome(bool Recorded, ConsentStatus Status, string? Refusal = null)
{
    public static ConsentOutcome Refused(ConsentStatus current, string reason) => new(false, current, reason);
}

/// <summary>
/// The only writer of consent: appends a row to the log and re-derives the customer's current status from the whole log,
/// in one transaction. There is no update or delete here, and the DbContext refuses them: corrections are new rows.
/// Role checks belong to the callers (studio services and the public endpoints); this class trusts its caller.
/// </summary>
public sealed class ConsentLedger(IDbContextFactory<AppDbContext> dbFactory, AddressSuppression suppression, TimeProvider clock)
{
    public async Task<ConsentOutcome> RecordAsync(ConsentChange change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await suppression.PrepareAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;

        // Writing the customer row first takes the write lock before the log is read, so two changes to one person at
        // the same moment cannot both derive from a log that lacks the other's row.
        var touched = await db.Customers.Where(c => c.Id == change.CustomerId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now), ct);
        if (touched == 0)
        {
            return ConsentOutcome.Refused(ConsentStatus.Unknown, "There is no such customer.");
        }

        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == change.CustomerId)
            .Select(c => new { c.Email, c.IsErased, c.EmailConsent }).SingleAsync(ct);
        if (change.Status == ConsentStatus.OptedIn && !ConsentRules.MayRecordOptIn(change.Source))
        {
            // Whoever holds an e-mail's link may withdraw consent in one click; giving it takes the double opt-in click.
            return ConsentOutcome.Refused(customer.EmailConsent, "A link in an e-mail cannot subscribe anyone: that takes the click in a confirmation e-mail.");
        }

        if (change.Status is ConsentStatus.OptedIn or ConsentStatus.Pending)
        {
            if (customer.IsErased || string.IsNullOrEmpty(customer.Email))
            {
                return ConsentOutcome.Refused(customer.EmailConsent, "This customer has no e-mail address.");
            }

            if (string.IsNullOrWhiteSpace(change.WordingVersion))
            {
                return ConsentOutcome.Refused(customer.EmailConsent, "An opt-in needs the version of the wording the person agreed to.");
            }

            if (await suppression.IsSuppressedAsync(db, customer.Email, ct))
            {
                return ConsentOutcome.Refused(customer.EmailConsent, "This address was erased on request earlier and stays suppressed.");
            }
        }

        db.ConsentRecords.Add(new ConsentRecord
        {
            CustomerId = change.CustomerId,
            Channel = change.Channel,
            Purpose = change.Purpose,
            Status = change.Status,
            Source = change.Source,
            WordingVersion = Trim(change.WordingVersion, Domain.Limits.Category),
            Actor = Trim(change.Actor, Domain.Limits.Email) ?? "system",
            IpAddress = Trim(change.IpAddress, Domain.Limits.IpAddress),
            RecordedAt = now,
            CampaignId = change.CampaignId,
            Note = Trim(change.Note, Domain.Limits.ShortText),
            BounceEventId = change.BounceEventId,
            LiftsRecordId = change.LiftsRecordId,
        });
        await db.SaveChangesAsync(ct);

        var log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == change.CustomerId && r.Channel == ConsentChannel.Email).ToListAsync(ct);
        var status = ConsentRules.Derive(log);
        if (status != customer.EmailConsent)
        {
            await db.Customers.Where(c => c.Id == change.CustomerId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.EmailConsent, status).SetProperty(c => c.EmailConsentAt, now), ct);
        }

        if (change.Status is ConsentStatus.OptedIn or ConsentStatus.OptedOut)
        {
            // Told to the shop's own systems in the same transaction as the record, so neither exists without the other.
            await Webhooks.WebhookOutbox.AddAsync(db, change.Status == ConsentStatus.OptedIn ? Domain.Webhooks.WebhookEvents.OptIn : Domain.Webhooks.WebhookEvents.OptOut,
                new
                {
                    customerId = change.CustomerId, email = customer.Email, purpose = change.Purpose, source = change.Source.ToString(),
                    campaignId = change.CampaignId, status = status.ToString(),
                }, now, ct);
        }

        await tx.CommitAsync(ct);
        return new ConsentOutcome(true, status);
    }

    private static string? Trim(string? value, int max) => string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var t && t.Length > max ? t[..max] : value.Trim();
}
