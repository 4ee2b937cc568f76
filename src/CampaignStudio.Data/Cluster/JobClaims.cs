using System.Collections.Concurrent;

namespace CampaignStudio.Data.Cluster;

/// <summary>
/// The leases this instance holds for background jobs it has queued or is running (imports, clustering runs). Queues live
/// in one instance's memory; the lease tells an instance that starts later "this job is alive elsewhere, leave it",
/// while a job whose instance died has no live lease and is marked interrupted.
/// </summary>
public sealed class JobClaims(ClusterLeases leases)
{
    private readonly ConcurrentDictionary<string, LeaseHandle> _held = new(StringComparer.Ordinal);

    public static string Import(int jobId) => $"import:{jobId}";

    public static string Clustering(int runId) => $"clustering:{runId}";

    public async Task ClaimAsync(string job, CancellationToken ct = default)
    {
        var lease = await leases.TryAcquireAsync(job, ct: ct) ?? throw new InvalidOperationException($"Job {job} is already held by another studio instance.");
        _held[job] = lease;
    }

    public async Task ReleaseAsync(string job)
    {
        if (_held.TryRemove(job, out var lease))
        {
            await lease.DisposeAsync();
        }
    }

    /// <summary>Whether some instance (this one included) still holds the job.</summary>
    public Task<bool> IsAliveAsync(string job, CancellationToken ct = default) => leases.IsHeldAsync(job, ct);
}
