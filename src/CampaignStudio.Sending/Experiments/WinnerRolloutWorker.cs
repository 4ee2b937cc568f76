using CampaignStudio.Data.Cluster;

namespace CampaignStudio.Sending.Experiments;

/// <summary>
/// Decides each winner rollout when its wait is over (on the studio's clock) and releases the rest to the send pipeline, so
/// nobody has to press a button. One instance at a time cluster-wide (a lease); the decision itself is claimed in the
/// database too, so a second instance or pass never decides twice.
/// </summary>
public sealed class WinnerRolloutWorker(WinnerRollouts rollouts, ClusterLeases leases, SendWorkerOptions options, TimeProvider clock,
    ILogger<WinnerRolloutWorker> log) : PeriodicWorker(clock, log)
{
    public const string LeaseName = "winner-rollouts";

    protected override bool Enabled => options.Enabled && options.RunWinnerRollouts;

    protected override TimeSpan Interval => options.RoundCheckInterval;

    protected override string Work => "Deciding winner rollouts";

    protected override Task PassAsync(CancellationToken ct) => RunDueAsync(ct);

    /// <summary>One pass: every rollout whose wait is over is decided. Returns the decisions made by this pass.</summary>
    internal async Task<int> RunDueAsync(CancellationToken ct)
    {
        await using var lease = await leases.TryAcquireAsync(LeaseName, ct: ct);
        if (lease is null)
        {
            return 0;
        }

        var decided = 0;
        foreach (var id in await rollouts.DueAsync(ct))
        {
            if (await rollouts.DecideAsync(id, ct) is { } outcome)
            {
                decided++;
                log.LogInformation("Experiment {ExperimentId}: {Decision}", id, outcome.Decision);
            }
        }

        return decided;
    }
}
