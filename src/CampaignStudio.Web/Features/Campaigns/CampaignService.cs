using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns;

/// <summary>Lists campaigns with their delivery counts. The wizard and the send pipeline come with the campaigns issue.</summary>
public sealed class CampaignService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    public async Task<IReadOnlyList<CampaignListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var campaigns = await db.Campaigns.AsNoTracking().OrderByDescending(c => c.CreatedAt).ToListAsync(ct);
        var counts = await db.Messages.GroupBy(m => new { m.CampaignId, m.Status }).Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        return campaigns.Select(c => new CampaignListItem(c.Id, c.Name, c.Status, c.AudienceCount,
            counts.Where(x => x.CampaignId == c.Id && x.Status == MessageStatus.Sent).Sum(x => x.Count),
            counts.Where(x => x.CampaignId == c.Id && x.Status == MessageStatus.Failed).Sum(x => x.Count),
            c.LaunchedAt)).ToList();
    }
}

public sealed record CampaignListItem(int Id, string Name, CampaignStatus Status, int Audience, int Sent, int Failed, DateTime? LaunchedAt);

public static class CampaignsFeature
{
    public static IServiceCollection AddCampaignsFeature(this IServiceCollection services) => services.AddScoped<CampaignService>();
}
