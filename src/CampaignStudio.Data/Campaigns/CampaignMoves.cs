using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// Makes a <see cref="CampaignLifecycle"/> move in the database with one guarded UPDATE, for changes that race (two
/// workers claiming a campaign, a person pausing while the worker completes it): the row changes only if it is in one
/// of the move's "from" statuses at that moment.
/// </summary>
public static class CampaignMoves
{
    /// <summary>Makes the move (and the extra <paramref name="also"/> changes); false when the campaign was not in a status the move is allowed from.</summary>
    public static async Task<bool> TryAsync(AppDbContext db, int campaignId, CampaignMove move, CancellationToken ct, Action<UpdateSettersBuilder<Campaign>>? also = null)
    {
        var from = move.From.ToList();
        var to = move.To;
        return await db.Campaigns.Where(c => c.Id == campaignId && from.Contains(c.Status))
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(c => c.Status, to);
                also?.Invoke(s);
            }, ct) > 0;
    }
}
