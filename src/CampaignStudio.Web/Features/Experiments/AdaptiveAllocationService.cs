using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>An adaptive experiment's rounds so far and when the next may go.</summary>
/// <param name="Rounds">Every round sent, oldest first.</param>
/// <param name="PlannedRounds">Rounds in the design.</param>
/// <param name="NextRoundFrom">The earliest time of the next round; null when every round is sent.</param>
public sealed record AllocationLog(IReadOnlyList<RoundDetail> Rounds, int PlannedRounds, DateTime? NextRoundFrom);

/// <summary>
/// Adaptive experiments in rounds (decision 042) for the studio: the log of rounds, and "Send next round" with its role
/// check; the round step itself is <see cref="AdaptiveRounds"/>, shared with the round worker. The read-out reweights by
/// the logged allocation (<see cref="AdaptiveEstimate"/>).
/// </summary>
public sealed class AdaptiveAllocationService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, AdaptiveRounds rounds)
{
    /// <summary>The rounds so far; null when the experiment does not exist or has fixed weights.</summary>
    public async Task<AllocationLog?> LogAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct);
        if (experiment is not { Allocation: Allocation.Adaptive })
        {
            return null;
        }

        var log = await db.AllocationRounds.AsNoTracking().Where(r => r.ExperimentId == experimentId).OrderBy(r => r.Number).ToListAsync(ct);
        var names = experiment.Variants.ToDictionary(v => v.Id, v => v.Name);
        var details = log.Select(r => AdaptiveRounds.Detail(r, names)).ToList();
        DateTime? next = experiment.Status != ExperimentStatus.Running || log.Count >= experiment.AllocationRounds ? null
            : log.Count == 0 ? experiment.StartedAt
            : log[^1].TookEffectAt + experiment.RoundInterval;
        return new AllocationLog(details, experiment.AllocationRounds, next);
    }

    /// <summary>
    /// Sends the next round if it is due (<see cref="AdaptiveRounds.NextAsync"/>): new weights, the round's customers
    /// assigned and, when a campaign launched the experiment, their e-mails queued on it.
    /// </summary>
    public async Task<RoundOutcome> NextRoundAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await rounds.NextAsync(experimentId, ct);
    }
}
