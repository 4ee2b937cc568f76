using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>Lists experiments with their arms and sizes. Design, analysis and uplift come with the experiments issue.</summary>
public sealed class ExperimentService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    public async Task<IReadOnlyList<ExperimentListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiments = await db.Experiments.AsNoTracking().Include(e => e.Variants).OrderByDescending(e => e.CreatedAt).ToListAsync(ct);
        var sizes = await db.Assignments.GroupBy(a => a.ExperimentId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return experiments.Select(e => new ExperimentListItem(e.Id, e.Name, e.Status, e.Source, e.PrimaryMetric, e.Variants.Count, sizes.GetValueOrDefault(e.Id), e.StartedAt, e.EndedAt)).ToList();
    }
}

public sealed record ExperimentListItem(int Id, string Name, ExperimentStatus Status, ExperimentSource Source, PrimaryMetric Metric, int Arms, int Customers, DateTime? StartedAt, DateTime? EndedAt);

public static class ExperimentsFeature
{
    public static IServiceCollection AddExperimentsFeature(this IServiceCollection services) => services.AddScoped<ExperimentService>();
}
