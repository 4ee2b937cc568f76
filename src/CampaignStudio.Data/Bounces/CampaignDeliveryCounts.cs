using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Bounces;

/// <summary>Sent, bounced and complained messages of one campaign: what the automatic pause reads.</summary>
public sealed record DeliveryCounts(int Sent, int HardBounced, int SoftBounced, int Complained)
{
    /// <summary>Sent and not bounced (a later complaint still means it was delivered).</summary>
    public int Delivered => Sent - HardBounced - SoftBounced;
}

public static class CampaignDeliveryCounts
{
    /// <summary>One grouped query over the campaign's ledger rows (the (CampaignId, Status) index), cheap enough to run per batch.</summary>
    public static Task<DeliveryCounts> ForAsync(AppDbContext db, int campaignId, CancellationToken ct = default) => ForAsync(db, campaignId, null, ct);

    /// <summary>The same over the messages sent from <paramref name="sentFrom"/> on (all when null).</summary>
    public static async Task<DeliveryCounts> ForAsync(AppDbContext db, int campaignId, DateTime? sentFrom, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sent = db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent);
        if (sentFrom is { } from)
        {
            sent = sent.Where(m => m.SentAt >= from);
        }

        var rows = await sent
            .GroupBy(m => 1)
            .Select(g => new
            {
                Sent = g.Count(),
                Hard = g.Count(m => m.Bounce == BounceKind.Hard),
                Soft = g.Count(m => m.Bounce == BounceKind.Soft),
                Complained = g.Count(m => m.ComplainedAt != null),
            })
            .FirstOrDefaultAsync(ct);
        return rows is null ? new DeliveryCounts(0, 0, 0, 0) : new DeliveryCounts(rows.Sent, rows.Hard, rows.Soft, rows.Complained);
    }
}
