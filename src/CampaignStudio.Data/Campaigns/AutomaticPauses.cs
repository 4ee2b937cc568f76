using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// The automatic pause in the database: reads a sending campaign's counts (since a marketer last resumed it after an
/// automatic pause), asks <see cref="AutomaticPause.Check"/>, and pauses it with the reason in one guarded update. Called by
/// the send worker between batches and by the bounce ledger after each bounce or complaint it records.
/// </summary>
public static class AutomaticPauses
{
    /// <summary>Pauses the campaign when a limit is reached; the cause when this call paused it, null otherwise (not sending, or within limits).</summary>
    public static async Task<AutomaticPauseCause?> CheckAsync(AppDbContext db, int campaignId, AutomaticPauseLimits limits, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(limits);
        var campaign = await db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId)
            .Select(c => new { c.Status, c.HealthCountedFrom }).FirstOrDefaultAsync(ct);
        if (campaign is not { Status: CampaignStatus.Sending })
        {
            return null;
        }

        var counts = await CampaignDeliveryCounts.ForAsync(db, campaignId, campaign.HealthCountedFrom, ct);
        if (AutomaticPause.Check(limits, counts.Sent, counts.HardBounced, counts.SoftBounced, counts.Complained) is not { } cause)
        {
            return null;
        }

        var reason = AutomaticPause.Reason(cause, limits);
        return await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.Pause, ct,
            s => s.SetProperty(c => c.AutoPausedAt, now).SetProperty(c => c.AutoPauseReason, reason)) ? cause : null;
    }

    /// <summary>
    /// The marketer's resume: a paused campaign sends again. After an automatic pause the limits from then on count only
    /// mail sent after this moment (the marketer decided to go on with what was known).
    /// </summary>
    public static async Task<bool> ResumeAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.Resume, ct,
            s => s.SetProperty(c => c.HealthCountedFrom, c => c.AutoPausedAt != null && (c.HealthCountedFrom == null || c.AutoPausedAt >= c.HealthCountedFrom) ? now : c.HealthCountedFrom));
    }
}
