using CampaignStudio.Data.Cluster;

namespace CampaignStudio.Sending.Bounces;

/// <summary>The bounce mailbox reader's knobs (configuration section <c>Bounces:Worker</c>).</summary>
public sealed class BounceWorkerOptions
{
    public const string Section = "Bounces:Worker";

    /// <summary>Whether this process reads the bounce mailbox (one instance at a time does, by lease).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Reads the bounce mailbox every <see cref="BounceWorkerOptions.CheckInterval"/>, one instance cluster-wide at a time (a
/// lease, renewed while the pass runs; a lost lease stops the pass).
/// </summary>
public sealed class BounceMailboxWorker(BounceMailboxReader reader, ClusterLeases leases, BounceWorkerOptions options, SendWorkerOptions sendOptions,
    TimeProvider clock, ILogger<BounceMailboxWorker> log) : PeriodicWorker(clock, log)
{
    public const string LeaseName = "bounce-mailbox";

    protected override bool Enabled => options.Enabled && sendOptions.Enabled;

    protected override TimeSpan Interval => options.CheckInterval;

    protected override string Work => "Reading the bounce mailbox";

    protected override Task PassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>One pass under the lease; nothing when another instance holds it.</summary>
    public async Task<MailboxPass> RunOnceAsync(CancellationToken ct)
    {
        await using var lease = await leases.TryAcquireAsync(LeaseName, ct: ct);
        if (lease is null)
        {
            return MailboxPass.Nothing;
        }

        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        return await reader.ReadOnceAsync(both.Token);
    }
}
