using System.Collections.Concurrent;
using System.Threading.Channels;
using CampaignStudio.Data.Cluster;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>Import jobs waiting for the worker, and the cancellation handle of the one running.</summary>
public sealed class ImportQueue(JobClaims claims)
{
    private readonly Channel<int> _jobs = Channel.CreateUnbounded<int>();
    private readonly ConcurrentDictionary<int, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<int, bool> _cancelled = new();

    public async ValueTask EnqueueAsync(int jobId, CancellationToken ct = default)
    {
        // Claimed while queued and running, so another instance starting meanwhile does not mark it interrupted.
        await claims.ClaimAsync(JobClaims.Import(jobId), ct);
        await _jobs.Writer.WriteAsync(jobId, ct);
    }

    public IAsyncEnumerable<int> ReadAllAsync(CancellationToken ct) => _jobs.Reader.ReadAllAsync(ct);

    public CancellationTokenSource Begin(int jobId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _running[jobId] = cts;
        if (_cancelled.ContainsKey(jobId))
        {
            cts.Cancel();
        }

        return cts;
    }

    public async Task EndAsync(int jobId)
    {
        await claims.ReleaseAsync(JobClaims.Import(jobId));
        if (_running.TryRemove(jobId, out var cts))
        {
            cts.Dispose();
        }

        _cancelled.TryRemove(jobId, out _);
    }

    public void Cancel(int jobId)
    {
        _cancelled[jobId] = true;
        if (_running.TryGetValue(jobId, out var cts))
        {
            cts.Cancel();
        }
    }

    public bool IsCancelRequested(int jobId) => _cancelled.ContainsKey(jobId);
}
