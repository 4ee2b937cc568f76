using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>Lists saved segments. The rule builder and clustering come with the segments issue.</summary>
public sealed class SegmentService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    public async Task<IReadOnlyList<Segment>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Segments.AsNoTracking().Where(s => s.Kind != SegmentKind.Snapshot).OrderBy(s => s.Name).ToListAsync(ct);
    }
}

public static class SegmentsFeature
{
    public static IServiceCollection AddSegmentsFeature(this IServiceCollection services) => services.AddScoped<SegmentService>();
}
