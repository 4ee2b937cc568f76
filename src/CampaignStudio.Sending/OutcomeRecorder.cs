using System.Diagnostics;
using System.Threading.Channels;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>
/// Commits send results in groups and bounds the in-flight window: a send may start only while fewer than
/// <c>window</c> messages have gone to the transport without their result committed. That count is exactly what a
/// kill -9 can repeat. Results wait for company (half a window, or a short hold) before a commit, so a commit carries
/// dozens of rows rather than two or three; the window, not the group, sets what a crash can repeat.
/// </summary>
internal sealed class OutcomeRecorder : IAsyncDisposable
{
    private const int MaxGroup = 256;

    /// <summary>The longest a result waits for others before it is committed, so the ledger stays current at a slow pace.</summary>
    internal static readonly TimeSpan MaxHold = TimeSpan.FromMilliseconds(50);

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly string _owner;
    private readonly TimeProvider _clock;
    private readonly int _groupTarget;
    private readonly SemaphoreSlim _window;
    private readonly Channel<(MessageOutcome Outcome, bool Reserved)> _pending = Channel.CreateUnbounded<(MessageOutcome, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public OutcomeRecorder(IDbContextFactory<AppDbContext> dbFactory, string owner, int window, TimeProvider clock)
    {
        _dbFactory = dbFactory;
        _owner = owner;
        _clock = clock;
        _groupTarget = Math.Clamp(window / 2, 1, MaxGroup);
        _window = new SemaphoreSlim(window, window);
        _loop = Task.Run(LoopAsync);
    }

    public int Recorded { get; private set; }

    /// <summary>Waits for room in the in-flight window; call before handing a message to the transport.</summary>
    public Task ReserveAsync(CancellationToken ct) => _window.WaitAsync(ct);

    /// <summary>The result of a message sent under a reservation; the reservation ends when the result is committed.</summary>
    public void Complete(MessageOutcome outcome) => _pending.Writer.TryWrite((outcome, true));

    /// <summary>A result that needed no send (suppressed, failed to render).</summary>
    public void Add(MessageOutcome outcome) => _pending.Writer.TryWrite((outcome, false));

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop;
        _window.Dispose();
    }

    private async Task LoopAsync()
    {
        var group = new List<MessageOutcome>(MaxGroup);
        // One context (one open connection) for the recorder's life: opening one per commit cost more than the commit.
        AppDbContext? db = null;
        try
        {
            while (await _pending.Reader.WaitToReadAsync())
            {
                group.Clear();
                var reserved = 0;
                var since = _clock.GetTimestamp();
                while (true)
                {
                    while (group.Count < MaxGroup && _pending.Reader.TryRead(out var item))
                    {
                        group.Add(item.Outcome);
                        reserved += item.Reserved ? 1 : 0;
                    }

                    // Commit now when the group is big enough, when a send may be waiting for room (the window is full),
                    // when the hold is over, or when no more results will come (the batch is done).
                    var left = MaxHold - _clock.GetElapsedTime(since);
                    if (group.Count >= _groupTarget || _window.CurrentCount == 0 || left <= TimeSpan.Zero || !await MoreWithinAsync(left))
                    {
                        break;
                    }
                }

                var started = Stopwatch.GetTimestamp();
                db = await CommitAsync(db, group);
                SendStages.Time(SendStages.Record, started);
                Recorded += group.Count;
                if (reserved > 0)
                {
                    _window.Release(reserved);
                }
            }
        }
        finally
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }
    }

    /// <summary>Whether another result arrived within <paramref name="wait"/>; false on timeout or when the batch is done.</summary>
    private async Task<bool> MoreWithinAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait, _clock);
        try
        {
            return await _pending.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<AppDbContext> CommitAsync(AppDbContext? db, List<MessageOutcome> group)
    {
        // Not cancellable: a result of a message that went out must be written even while the host stops.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                db ??= await _dbFactory.CreateDbContextAsync(CancellationToken.None);
                await MessageLedger.RecordAsync(db, _owner, group, CancellationToken.None);
                return db;
            }
            catch (System.Data.Common.DbException) when (attempt < 5)
            {
                // A busy database (another writer past the busy timeout) passes; the rows stay leased meanwhile. A fresh
                // context next time, in case the connection itself went bad.
                if (db is not null)
                {
                    await db.DisposeAsync();
                    db = null;
                }

                await Task.Delay(200 * attempt);
            }
        }
    }
}
