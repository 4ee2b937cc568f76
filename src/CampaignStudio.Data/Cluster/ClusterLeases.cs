using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Data.Cluster;

/// <summary>
/// Coordinates studio instances that share one database: a named lease is a row in "JobLeases" taken with one atomic
/// upsert (the same SQL on SQLite and PostgreSQL), renewed while held and deleted on release. Used for work that must run
/// once cluster-wide, and to tell a job another instance is running from one whose instance died.
/// </summary>
public sealed class ClusterLeases(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<ClusterLeases>? log = null)
{
    /// <summary>How long a lease lives without renewal: a crashed instance's jobs are free again after this.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(60);

    private readonly ILogger _log = log ?? NullLogger<ClusterLeases>.Instance;

    /// <summary>
    /// Who this studio instance is: host name, process id and a random part (one per host, so two hosts in one process,
    /// as in tests, are two instances; containers may share a pid).
    /// </summary>
    public string Owner { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Takes the lease if it is free, expired or already ours; null when another instance holds it.</summary>
    public async Task<LeaseHandle?> TryAcquireAsync(string name, TimeSpan? duration = null, CancellationToken ct = default)
    {
        var lifetime = duration ?? DefaultDuration;
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + lifetime;
        var owner = Owner;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One statement, so two instances cannot both see the row free: the loser's conflict update matches no row.
        var taken = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "JobLeases" ("Name", "Owner", "ExpiresAt") VALUES ({name}, {owner}, {until})
            ON CONFLICT ("Name") DO UPDATE SET "Owner" = excluded."Owner", "ExpiresAt" = excluded."ExpiresAt"
            WHERE "JobLeases"."ExpiresAt" < {now} OR "JobLeases"."Owner" = {owner}
            """, ct);
        return taken == 1 ? new LeaseHandle(this, name, lifetime) : null;
    }

    /// <summary>Waits until the lease is ours (another instance finishes or its lease expires), checking every <paramref name="poll"/>.</summary>
    public async Task<LeaseHandle> AcquireAsync(string name, TimeSpan? duration = null, TimeSpan? poll = null, CancellationToken ct = default)
    {
        while (true)
        {
            if (await TryAcquireAsync(name, duration, ct) is { } lease)
            {
                return lease;
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500), clock, ct);
        }
    }

    /// <summary>Whether any instance (this one included) holds an unexpired lease of this name.</summary>
    public async Task<bool> IsHeldAsync(string name, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.JobLeases.AnyAsync(l => l.Name == name && l.ExpiresAt >= now, ct);
    }

    internal async Task<bool> RenewAsync(string name, TimeSpan lifetime, CancellationToken ct)
    {
        var until = clock.GetUtcNow().UtcDateTime + lifetime;
        var owner = Owner;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.JobLeases.Where(l => l.Name == name && l.Owner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, until), ct) == 1;
    }

    internal async Task ReleaseAsync(string name)
    {
        var owner = Owner;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.JobLeases.Where(l => l.Name == name && l.Owner == owner).ExecuteDeleteAsync(CancellationToken.None);
    }

    internal TimeProvider Clock => clock;

    internal ILogger Log => _log;
}

/// <summary>A held lease: renewed in the background at a third of its lifetime; disposing releases it.</summary>
public sealed class LeaseHandle : IAsyncDisposable
{
    private readonly ClusterLeases _leases;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewing;

    internal LeaseHandle(ClusterLeases leases, string name, TimeSpan lifetime)
    {
        _leases = leases;
        Name = name;
        _renewing = RenewAsync(lifetime);
    }

    public string Name { get; }

    /// <summary>Cancelled when a renewal finds the lease taken by another instance (ours had expired).</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task RenewAsync(TimeSpan lifetime)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lifetime / 3, _leases.Clock, _stop.Token);
                if (!await _leases.RenewAsync(Name, lifetime, _stop.Token))
                {
                    _leases.Log.LogWarning("Lease {Lease} was lost to another instance", Name);
                    await _lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is briefly unreachable: try again at the next tick; if it stays away the lease expires.
                _leases.Log.LogWarning(ex, "Could not renew lease {Lease}", Name);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        await _leases.ReleaseAsync(Name);
        _stop.Dispose();
        _lost.Dispose();
    }
}
