using CampaignStudio.Data.Cluster;
using CampaignStudio.Sending;

namespace CampaignStudio.Flows;

/// <summary>
/// Runs the flow engine about once a second on one instance at a time (the "flow-engine" lease): passes follow each other
/// without a pause while there is work, so a burst of events is worked off at full speed.
/// </summary>
public sealed class FlowEngineWorker(FlowEngine engine, ClusterLeases leases, FlowEngineOptions options, TimeProvider clock,
    ILogger<FlowEngineWorker> log) : PeriodicWorker(clock, log)
{
    public const string LeaseName = "flow-engine";

    protected override bool Enabled => options.Enabled;

    protected override TimeSpan Interval => options.PollInterval;

    protected override string Work => "Moving customers through flows";

    protected override async Task PassAsync(CancellationToken ct)
    {
        await using var lease = await leases.TryAcquireAsync(LeaseName, options.ClusterLease, ct);
        if (lease is null)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        while (await engine.RunOnceAsync(stop.Token) > 0)
        {
        }
    }
}
