using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>
/// How long the oldest opt-out waited before the studio honoured it (it must be zero: an opt-out is honoured in the same
/// transaction that records it, and the send worker reads consent again before each batch).
/// </summary>
/// <param name="Longest">The longest wait; zero when every opt-out was honoured at once.</param>
/// <param name="OptedOutAt">When that opt-out was recorded (null when there was no wait).</param>
/// <param name="StillWaiting">True when it is not honoured yet: the person is still mailable now.</param>
/// <param name="Late">Opt-outs (since the start of the period) that waited at all.</param>
public sealed record OptOutWait(TimeSpan Longest, DateTime? OptedOutAt, bool StillWaiting, int Late)
{
    public static OptOutWait None { get; } = new(TimeSpan.Zero, null, false, 0);
}

public static class OptOutWaits
{
    /// <summary>
    /// An opt-out (or a spam complaint) waited when campaign mail still went to the person after it, with no new opt-in
    /// between: it waited until the last such mail. It is still waiting when the person is mailable now and has not opted
    /// in since. Opt-outs recorded from <paramref name="since"/> on are looked at.
    /// </summary>
    public static async Task<OptOutWait> OldestAsync(AppDbContext db, DateTime since, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var optOuts = db.ConsentRecords.AsNoTracking()
            .Where(r => r.Channel == ConsentChannel.Email && (r.Status == ConsentStatus.OptedOut || r.Status == ConsentStatus.Complained) && r.RecordedAt >= since);

        var waiting = await optOuts
            .Where(r => db.Customers.Mailable().Any(c => c.Id == r.CustomerId)
                && !db.ConsentRecords.Any(o => o.CustomerId == r.CustomerId && o.Status == ConsentStatus.OptedIn && o.RecordedAt > r.RecordedAt))
            .Select(r => new { r.Id, r.RecordedAt }).ToListAsync(ct);

        var late = await optOuts
            .Select(r => new
            {
                r.Id,
                r.RecordedAt,
                LastMailAfter = db.Messages
                    .Where(m => m.CustomerId == r.CustomerId && m.Status == MessageStatus.Sent && m.SentAt > r.RecordedAt
                        && !db.ConsentRecords.Any(o => o.CustomerId == r.CustomerId && o.Status == ConsentStatus.OptedIn && o.RecordedAt > r.RecordedAt && o.RecordedAt < m.SentAt))
                    .Max(m => m.SentAt),
            })
            .Where(x => x.LastMailAfter != null)
            .ToListAsync(ct);

        var waits = waiting.Select(x => (Wait: now - x.RecordedAt, At: x.RecordedAt, Still: true))
            .Concat(late.Select(x => (Wait: x.LastMailAfter!.Value - x.RecordedAt, At: x.RecordedAt, Still: false)))
            .ToList();
        if (waits.Count == 0)
        {
            return OptOutWait.None;
        }

        var longest = waits.MaxBy(w => w.Wait);
        return new OptOutWait(longest.Wait, longest.At, longest.Still, waiting.Select(x => x.Id).Union(late.Select(x => x.Id)).Count());
    }
}
