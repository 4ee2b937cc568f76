using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Bounces;

/// <summary>One suppression from a bounce or complaint, with its reason and evidence.</summary>
public sealed record BounceSuppression(
    long RecordId,
    long CustomerId,
    string? Email,
    ConsentStatus Status,
    DateTime SuppressedAt,
    long? EventId,
    BounceKind? Kind,
    string? StatusCode,
    string? Diagnostic,
    int? CampaignId,
    string? CampaignName,
    string? Note,
    bool IsLifted,
    bool CanBeLifted);

/// <summary>What the bounce mailbox held, by kind (not-understood mail included: nothing is dropped).</summary>
public sealed record BounceTotals(int Hard, int Soft, int Complaints, int NotUnderstood, int Unmatched);

/// <summary>A lift, or why it was refused.</summary>
public sealed record LiftOutcome(bool Lifted, ConsentStatus Status, string? Refusal = null);

/// <summary>
/// The suppressions bounces and complaints caused, as a marketer reads them, and the one correction allowed: lifting a
/// soft-bounce suppression. A lift is a new consent record that restores the consent the person had given before
/// (the log is append-only), pointing at the suppression it lifts. Hard bounces and complaints are never lifted here.
/// </summary>
public sealed class BounceSuppressions(IDbContextFactory<AppDbContext> dbFactory, ConsentLedger consent)
{
    public async Task<IReadOnlyList<BounceSuppression>> ListAsync(int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.ConsentRecords.AsNoTracking()
            .Where(r => r.BounceEventId != null)
            .OrderByDescending(r => r.RecordedAt).ThenByDescending(r => r.Id)
            .Take(take)
            .Select(r => new
            {
                r.Id, r.CustomerId, r.Status, r.RecordedAt, r.BounceEventId, r.CampaignId, r.Note,
                Email = db.Customers.Where(c => c.Id == r.CustomerId).Select(c => c.Email).FirstOrDefault(),
                CampaignName = db.Campaigns.Where(c => c.Id == r.CampaignId).Select(c => c.Name).FirstOrDefault(),
                Current = db.Customers.Where(c => c.Id == r.CustomerId).Select(c => c.EmailConsent).FirstOrDefault(),
                Event = db.BounceEvents.Where(e => e.Id == r.BounceEventId).Select(e => new { e.Kind, e.StatusCode, e.Diagnostic }).FirstOrDefault(),
                Lifted = db.ConsentRecords.Any(l => l.LiftsRecordId == r.Id),
            })
            .ToListAsync(ct);
        return rows.Select(r => new BounceSuppression(r.Id, r.CustomerId, r.Email, r.Status, r.RecordedAt, r.BounceEventId, r.Event?.Kind, r.Event?.StatusCode,
                r.Event?.Diagnostic, r.CampaignId, r.CampaignName, r.Note, r.Lifted, !r.Lifted && r.Event?.Kind == BounceKind.Soft && r.Current == ConsentStatus.Bounced))
            .ToList();
    }

    public async Task<BounceTotals> TotalsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var byKind = await db.BounceEvents.AsNoTracking().GroupBy(e => e.Kind).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var unmatched = await db.BounceEvents.AsNoTracking().CountAsync(e => e.Kind != BounceKind.NotUnderstood && e.CustomerId == null, ct);
        return new BounceTotals(byKind.GetValueOrDefault(BounceKind.Hard), byKind.GetValueOrDefault(BounceKind.Soft), byKind.GetValueOrDefault(BounceKind.Complaint),
            byKind.GetValueOrDefault(BounceKind.NotUnderstood), unmatched);
    }

    /// <summary>The newest mails the studio could not read, for a person to look at in the mailbox.</summary>
    public async Task<IReadOnlyList<BounceEvent>> NotUnderstoodAsync(int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.BounceEvents.AsNoTracking().Where(e => e.Kind == BounceKind.NotUnderstood || e.CustomerId == null)
            .OrderByDescending(e => e.RecordedAt).ThenByDescending(e => e.Id).Take(take).ToListAsync(ct);
    }

    /// <summary>
    /// Lifts a soft-bounce suppression: appends a record with the status the person's own choices give without their
    /// soft-bounce suppressions (an opt-in keeps the wording version they agreed to). Role checks belong to the caller.
    /// </summary>
    public async Task<LiftOutcome> LiftAsync(long recordId, string actor, CancellationToken ct = default)
    {
        List<ConsentRecord> log;
        ConsentRecord? suppression;
        HashSet<long> softEvents;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            suppression = await db.ConsentRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Id == recordId && r.BounceEventId != null, ct);
            if (suppression is null)
            {
                return new LiftOutcome(false, ConsentStatus.Unknown, "There is no such bounce suppression.");
            }

            log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == suppression.CustomerId && r.Channel == ConsentChannel.Email).ToListAsync(ct);
            var eventIds = log.Where(r => r.BounceEventId != null).Select(r => r.BounceEventId!.Value).ToList();
            softEvents = (await db.BounceEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id) && e.Kind == BounceKind.Soft).Select(e => e.Id).ToListAsync(ct)).ToHashSet();
        }

        var current = ConsentRules.Derive(log);
        if (suppression.BounceEventId is not { } eventId || !softEvents.Contains(eventId))
        {
            return new LiftOutcome(false, current, "Only a suppression for soft bounces can be lifted; hard bounces and spam complaints stay.");
        }

        if (log.Any(r => r.LiftsRecordId == recordId) || current != ConsentStatus.Bounced)
        {
            return new LiftOutcome(false, current, "This suppression is no longer in force.");
        }

        // What the person's own records say once the soft-bounce suppressions are set aside; any other suppression stays.
        var own = log.Where(r => !(r.BounceEventId is { } id && softEvents.Contains(id)) && r.Source != ConsentSource.SuppressionLifted).ToList();
        var restored = ConsentRules.Derive(own);
        if (ConsentRules.IsSuppression(restored) || restored == ConsentStatus.Unknown)
        {
            return new LiftOutcome(false, current, restored == ConsentStatus.Unknown
                ? "The person never gave consent that could be restored."
                : "The address is also suppressed for another reason (a hard bounce or a complaint).");
        }

        var proof = own.Where(r => r.Status == restored && ConsentRules.HasProof(r)).OrderBy(r => r.RecordedAt).ThenBy(r => r.Id).LastOrDefault();
        var change = new ConsentChange(suppression.CustomerId, restored, ConsentSource.SuppressionLifted, actor, WordingVersion: proof?.WordingVersion,
            Note: $"Soft-bounce suppression (record {recordId}) lifted; consent as recorded on {proof?.RecordedAt:yyyy-MM-dd} restored.")
        {
            LiftsRecordId = recordId,
        };
        var outcome = await consent.RecordAsync(change, ct);
        return new LiftOutcome(outcome.Recorded, outcome.Status, outcome.Refusal);
    }
}
