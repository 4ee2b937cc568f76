using System.Diagnostics;
using System.Threading.Channels;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>
/// Commits send results in small groups and bounds the in-flight window: a send may start only while fewer than
/// <c>window</c> messages have gone to the transport without their result committed. That count is exactly what a
/// kill -9 can repeat.
/// </summary>
internal sealed class OutcomeRecorder : IAsyncDisposable
{
    private const int MaxGroup = 256;

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly string _owner;
    private readonly SemaphoreSlim _window;
    private readonly Channel<(MessageOutcome Outcome, bool Reserved)> _pending = Channel.CreateUnbounded<(MessageOutcome, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public OutcomeRecorder(IDbContextFactory<AppDbContext> dbFactory, string owner, int window)
    {
        _dbFactory = dbFactory;
        _owner = owner;
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
        while (await _pending.Reader.WaitToReadAsync())
        {
            group.Clear();
            var reserved = 0;
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var item))
            {
                group.Add(item.Outcome);
                reserved += item.Reserved ? 1 : 0;
            }

            var started = Stopwatch.GetTimestamp();
            // Not cancellable: a result of a message that went out must be written even while the host stops.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var db = await _dbFactory.CreateDbContextAsync(CancellationToken.None);
                    await MessageLedger.RecordAsync(db, _owner, group, CancellationToken.None);
                    break;
                }
                catch (System.Data.Common.DbException) when (attempt < 5)
                {
                    // A busy database (another writer past the busy timeout) passes; the rows stay leased meanwhile.
                    await Task.Delay(200 * attempt);
                }
            }

            SendStages.Time(SendStages.Record, started);
            Recorded += group.Count;
            if (reserved > 0)
            {
                _window.Release(reserved);
            }
        }
    }
}
