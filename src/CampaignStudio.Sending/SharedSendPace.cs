using System.Threading.RateLimiting;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>
/// The per-second sending limit as a <see cref="RateLimiter"/> whose bucket lives in the database (<see cref="SendAllowances"/>),
/// so every worker of every studio instance draws from one allowance and the limit holds in total. Each draw takes about
/// 50 ms worth of messages, so the database sees some twenty draws a second per busy worker, not one per message.
/// </summary>
public sealed class SharedSendPace : RateLimiter
{
    public const string PerSecond = "per-second";

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TimeProvider _clock;
    private readonly int _perSecond;
    private readonly int _chunk;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _held;
    private long _idleSince = Environment.TickCount64;

    public SharedSendPace(IDbContextFactory<AppDbContext> dbFactory, int perSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        _dbFactory = dbFactory;
        _perSecond = perSecond;
        _clock = clock;
        _chunk = Math.Max(1, perSecond / 20);
    }

    public override TimeSpan? IdleDuration => _gate.CurrentCount == 1 ? TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _idleSince)) : null;

    public override RateLimiterStatistics? GetStatistics() => new() { CurrentAvailablePermits = Interlocked.Read(ref _held) };

    /// <summary>Only grants permits already drawn: a synchronous caller cannot wait for the database.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        if (!_gate.Wait(0))
        {
            return Lease.Refused;
        }

        try
        {
            if (_held < permitCount)
            {
                return Lease.Refused;
            }

            _held -= permitCount;
            return Lease.Granted;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (_held < permitCount)
            {
                AllowanceDraw draw;
                await using (var db = await _dbFactory.CreateDbContextAsync(cancellationToken))
                {
                    draw = await SendAllowances.DrawAsync(db, PerSecond, Math.Max(_chunk, permitCount - _held), _perSecond, _perSecond,
                        _clock.GetUtcNow(), cancellationToken);
                }

                _held += draw.Granted;
                if (_held < permitCount)
                {
                    // Until the bucket holds a whole chunk again (other workers may take it first; then we simply draw again).
                    var missing = (Math.Max(_chunk, permitCount - _held) * 1000) - draw.MilliTokensLeft;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(missing / (double)_perSecond, 2, 1_000)), _clock, cancellationToken);
                }
            }

            _held -= permitCount;
            return Lease.Granted;
        }
        finally
        {
            Interlocked.Exchange(ref _idleSince, Environment.TickCount64);
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Granted = new(true);
        public static readonly Lease Refused = new(false);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
