using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Experiments;

/// <summary>
/// Runs each adaptive experiment's next round when it is due (its interval has passed since the last round, on the
/// studio's clock), so nobody has to press "Send next round": the same step as the button, weights recomputed first and
/// the round's e-mails queued for the send worker. One instance at a time cluster-wide (a lease); a second instance, or a
/// second pass, finds the round already logged and not due again.
/// </summary>
public sealed class AdaptiveRoundWorker(AdaptiveRounds rounds, ClusterLeases leases, IDbContextFactory<AppDbContext> dbFactory,
    SendWorkerOptions options, TimeProvider clock, ILogger<AdaptiveRoundWorker> log) : PeriodicWorker(clock, log)
{
    public const string LeaseName = "adaptive-rounds";

    protected override bool Enabled => options.Enabled && options.RunAdaptiveRounds;

    protected override TimeSpan Interval => options.RoundCheckInterval;

    protected override string Work => "Sending adaptive rounds";

    protected override Task PassAsync(CancellationToken ct) => RunDueRoundsAsync(ct);

    /// <summary>One pass: every running adaptive experiment whose next round is due gets it. Returns the rounds sent.</summary>
    internal async Task<int> RunDueRoundsAsync(CancellationToken ct)
    {
        await using var lease = await leases.TryAcquireAsync(LeaseName, ct: ct);
        if (lease is null)
        {
            return 0;
        }

        var now = Clock.GetUtcNow().UtcDateTime;
        List<int> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var running = await db.Experiments.AsNoTracking()
                .Where(e => e.Allocation == Allocation.Adaptive && e.Status == ExperimentStatus.Running)
                .Select(e => new
                {
                    e.Id, e.StartedAt, e.RoundInterval, e.AllocationRounds,
                    Logged = db.AllocationRounds.Count(r => r.ExperimentId == e.Id),
                    Last = db.AllocationRounds.Where(r => r.ExperimentId == e.Id).OrderByDescending(r => r.Number).Select(r => (DateTime?)r.TookEffectAt).FirstOrDefault(),
                })
                .ToListAsync(ct);

            // A campaign launch assigns the first round without logging it: the interval then counts from the start.
            due = [.. running.Where(e => e.Logged < e.AllocationRounds && (e.Last ?? e.StartedAt) is { } from && from + e.RoundInterval <= now).Select(e => e.Id)];
        }

        var sent = 0;
        foreach (var id in due)
        {
            try
            {
                var outcome = await rounds.NextAsync(id, ct);
                if (outcome.Sent is not null)
                {
                    sent++;
                    log.LogInformation("Experiment {ExperimentId}: {Outcome}", id, outcome.Message);
                }
            }
            catch (ArgumentException ex)
            {
                // The experiment cannot run its round yet (e.g. too few outcomes on revenue); the page says why when asked.
                log.LogWarning("Experiment {ExperimentId}: the next round waits: {Problem}", id, ex.Message);
            }
        }

        return sent;
    }
}
