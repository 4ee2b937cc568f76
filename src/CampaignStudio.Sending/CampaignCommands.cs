using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>Status changes shared by the campaign page and the worker.</summary>
public static class CampaignCommands
{
    public const string CancelledByUser = "The campaign was cancelled before this message was sent.";

    /// <summary>Messages not yet handed to a worker end as Cancelled; leased ones finish or are released by their worker.</summary>
    public static Task<int> CancelQueuedAsync(AppDbContext db, int campaignId, CancellationToken ct) =>
        db.Messages.Where(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Cancelled).SetProperty(m => m.Error, CancelledByUser), ct);
}
