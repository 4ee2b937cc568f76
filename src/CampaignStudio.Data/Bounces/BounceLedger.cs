using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Bounces;

/// <summary>The mailbox facts of one bounce mail: its Message-ID (the idempotency key), subject, sender and when it came.</summary>
public sealed record BounceMail(string MailboxMessageId, string? Subject, string? From, DateTime ReceivedAt);

/// <summary>What recording one bounce mail did.</summary>
/// <param name="IsNew">False when the mail had been recorded before (read again after a crash): nothing was counted twice.</param>
public sealed record BounceRecorded(long EventId, BounceKind Kind, bool IsNew, string Outcome, bool Suppressed);

/// <summary>
/// Records what the bounce mailbox says and applies the bounce policy: the event once per mail (a unique Message-ID), the
/// message ledger row marked bounced or complained, and — when the policy says so — a suppression in the consent log with
/// the event as its evidence, written by the <see cref="ConsentLedger"/> like every consent change. Each step is safe to
/// repeat: a mail read again finds its event, and the policy step finds its consent record by the event id.
/// </summary>
/// <remarks>
/// After each bounce or complaint of a message it asks the automatic pause whether the message's campaign must stop
/// (docs/decisions/047-sender-health-and-automatic-pause.md); without <paramref name="automaticPauses"/> (benchmarks) it does not.
/// </remarks>
public sealed class BounceLedger(IDbContextFactory<AppDbContext> dbFactory, ConsentLedger consent, BouncePolicy policy, TimeProvider clock,
    AutomaticPauseStore? automaticPauses = null)
{
    public const string NotUnderstoodOutcome = "Not understood: kept in the mailbox for a person to read.";
    public const string UnmatchedOutcome = "Names no message the studio sent: kept, nothing suppressed.";

    public async Task<BounceRecorded> RecordAsync(BounceReading reading, BounceMail mail, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(mail);
        var (bounce, isNew) = await AddEventAsync(reading, mail, ct);

        // Also for a mail read again: a crash between recording it and this check must not leave the campaign sending.
        await PauseIfOverLimitsAsync(bounce, ct);
        if (bounce.Outcome is { } done)
        {
            return new BounceRecorded(bounce.Id, bounce.Kind, isNew, done, false);
        }

        var (outcome, suppressed) = await ApplyPolicyAsync(bounce, ct);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.BounceEvents.Where(e => e.Id == bounce.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Outcome, outcome), ct);
        }

        return new BounceRecorded(bounce.Id, bounce.Kind, isNew, outcome, suppressed);
    }

    private async Task PauseIfOverLimitsAsync(BounceEvent bounce, CancellationToken ct)
    {
        if (automaticPauses is null || bounce.CampaignId is not { } campaignId || bounce.Kind is not (BounceKind.Hard or BounceKind.Soft or BounceKind.Complaint))
        {
            return;
        }

        var limits = await automaticPauses.GetAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await AutomaticPauses.CheckAsync(db, campaignId, limits, clock.GetUtcNow().UtcDateTime, ct);
    }

    private async Task<(BounceEvent Event, bool IsNew)> AddEventAsync(BounceReading reading, BounceMail mail, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = Trim(mail.MailboxMessageId, Domain.Limits.ShortText)!;
        if (await db.BounceEvents.AsNoTracking().FirstOrDefaultAsync(e => e.MailboxMessageId == key, ct) is { } seen)
        {
            return (seen, false);
        }

        var (messageId, campaignId, customerId, matchedBy) = await FindMessageAsync(db, reading, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var bounce = new BounceEvent
        {
            MailboxMessageId = key,
            Kind = reading.Kind,
            MatchedBy = matchedBy,
            MessageId = messageId,
            CampaignId = campaignId,
            CustomerId = customerId,
            StatusCode = Trim(reading.StatusCode, 16),
            Diagnostic = Trim(reading.Diagnostic ?? reading.Note, Domain.Limits.Description),
            Subject = Trim(mail.Subject, Domain.Limits.ShortText),
            From = Trim(mail.From, Domain.Limits.ShortText),
            Evidence = Trim(reading.Evidence, Domain.Limits.Description),
            ReceivedAt = mail.ReceivedAt > now ? now : mail.ReceivedAt,
            RecordedAt = now,
        };

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.BounceEvents.Add(bounce);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another reader recorded the same mail first (two instances before the lease, or a retry): theirs stands.
            await tx.RollbackAsync(ct);
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return (await again.BounceEvents.AsNoTracking().FirstAsync(e => e.MailboxMessageId == key, ct), false);
        }

        if (messageId is { } id)
        {
            // The first bounce or complaint of a message marks it; the row stays Sent (it did leave).
            if (reading.Kind is BounceKind.Hard or BounceKind.Soft)
            {
                await db.Messages.Where(m => m.Id == id && (m.Bounce == null || m.Bounce == BounceKind.Soft))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Bounce, reading.Kind).SetProperty(m => m.BouncedAt, now), ct);
            }
            else if (reading.Kind == BounceKind.Complaint)
            {
                await db.Messages.Where(m => m.Id == id && m.ComplainedAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.ComplainedAt, now), ct);
            }
        }

        if (reading.Kind is BounceKind.Hard or BounceKind.Soft or BounceKind.Complaint)
        {
            // The one place bounces and complaints are recorded: their outbound webhook is queued in the same transaction.
            await Webhooks.WebhookOutbox.AddAsync(db, reading.Kind == BounceKind.Complaint ? Domain.Webhooks.WebhookEvents.Complaint : Domain.Webhooks.WebhookEvents.Bounce,
                new
                {
                    bounceId = bounce.Id, kind = reading.Kind.ToString(), statusCode = bounce.StatusCode, diagnostic = bounce.Diagnostic,
                    customerId, campaignId, messageId,
                }, now, ct);
        }

        await tx.CommitAsync(ct);
        return (bounce, true);
    }

    /// <summary>
    /// Ties the reading to a message ledger row: by the signed return address; else by our recipient header in the quoted
    /// original, trusted only when the quoted Message-ID is that row's (the header is not signed); else by the Message-ID.
    /// </summary>
    private static async Task<(long? MessageId, int? CampaignId, long? CustomerId, BounceMatch MatchedBy)> FindMessageAsync(AppDbContext db,
        BounceReading reading, CancellationToken ct)
    {
        if (reading.ReturnAddressMessageId is { } verp
            && await db.Messages.AsNoTracking().Where(m => m.Id == verp).Select(m => new { m.Id, m.CampaignId, m.CustomerId }).FirstOrDefaultAsync(ct) is { } byAddress)
        {
            return (byAddress.Id, byAddress.CampaignId, byAddress.CustomerId, BounceMatch.ReturnAddress);
        }

        if (reading.OriginalMessageId is { } header)
        {
            var byHeaders = await db.Messages.AsNoTracking()
                .Where(m => m.MessageIdHeader == header && (reading.OriginalLedgerId == null || m.Id == reading.OriginalLedgerId))
                .Select(m => new { m.Id, m.CampaignId, m.CustomerId }).FirstOrDefaultAsync(ct);
            if (byHeaders is not null)
            {
                return (byHeaders.Id, byHeaders.CampaignId, byHeaders.CustomerId, BounceMatch.OriginalHeaders);
            }
        }

        return (null, null, null, BounceMatch.None);
    }

    private async Task<(string Outcome, bool Suppressed)> ApplyPolicyAsync(BounceEvent bounce, CancellationToken ct)
    {
        if (bounce.Kind == BounceKind.NotUnderstood)
        {
            return (NotUnderstoodOutcome, false);
        }

        if (bounce.CustomerId is not { } customerId)
        {
            return (UnmatchedOutcome, false);
        }

        int count;
        bool suppresses;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.ConsentRecords.AsNoTracking().AnyAsync(r => r.BounceEventId == bounce.Id, ct))
            {
                return (Suppression(bounce), true);
            }

            var ofKind = db.BounceEvents.AsNoTracking().Where(e => e.CustomerId == customerId && e.Kind == bounce.Kind && e.Id <= bounce.Id);
            if (bounce.Kind == BounceKind.Soft)
            {
                // The window is checked over every soft bounce near this one, earlier or later: bounce mail arrives out of order.
                var from = bounce.ReceivedAt - policy.SoftBounceWindow;
                var to = bounce.ReceivedAt + policy.SoftBounceWindow;
                var times = await ofKind.Where(e => e.ReceivedAt >= from && e.ReceivedAt <= to).Select(e => e.ReceivedAt).ToListAsync(ct);
                count = times.Count(t => t > from);
                suppresses = policy.SoftBouncesSuppress(times);
            }
            else
            {
                count = await ofKind.CountAsync(ct);
                suppresses = policy.Suppresses(bounce.Kind, count);
            }
        }

        if (!suppresses)
        {
            return (bounce.Kind switch
            {
                BounceKind.Soft => $"Soft bounce {count} of {policy.SoftBouncesToSuppress} within {policy.SoftBounceWindow.TotalDays:0} days: not suppressed yet.",
                BounceKind.Hard => $"Hard bounce {count} of {policy.HardBouncesToSuppress}: not suppressed yet.",
                _ => $"Complaint {count} of {policy.ComplaintsToSuppress}: not suppressed yet.",
            }, false);
        }

        var complaint = bounce.Kind == BounceKind.Complaint;
        var change = new ConsentChange(customerId, complaint ? ConsentStatus.Complained : ConsentStatus.Bounced,
            complaint ? ConsentSource.ComplaintReport : ConsentSource.Bounce, "system", CampaignId: bounce.CampaignId, Note: Suppression(bounce))
        {
            BounceEventId = bounce.Id,
        };
        var recorded = await consent.RecordAsync(change, ct);
        return recorded.Recorded ? (Suppression(bounce), true) : ($"Not suppressed: {recorded.Refusal}", false);
    }

    /// <summary>The note of the consent record: the reason and the evidence in words.</summary>
    private static string Suppression(BounceEvent bounce)
    {
        var reason = bounce.Kind switch
        {
            BounceKind.Hard => "Suppressed: hard bounce",
            BounceKind.Soft => "Suppressed: repeated soft bounces",
            _ => "Opted out of all marketing: reported as spam",
        };
        var detail = string.Join(" ", new[] { bounce.StatusCode, bounce.Diagnostic }.Where(s => !string.IsNullOrWhiteSpace(s)));
        var note = $"{reason} (bounce event {bounce.Id})" + (detail.Length > 0 ? $": {detail}" : ".");
        return note.Length > Domain.Limits.ShortText ? note[..Domain.Limits.ShortText] : note;
    }

    private static string? Trim(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var t && t.Length > max ? t[..max] : value.Trim();
}
