using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Campaigns;

/// <summary>The send ledger's leasing and the shared send allowance with several workers at once, as several instances run them.</summary>
public abstract class MessageLedgerTests(string provider) : IAsyncLifetime
{
    private static readonly DateTime Now = FixedClock.Now;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task WorkersLeasingAtOnceGetEachRowOnceAndNeverMoreThanTheyAskedFor()
    {
        var campaignId = await CampaignWithMessagesAsync(1_200);

        // Six workers lease 37 at a time until nothing is due (leased rows stay leased: their lease runs two minutes).
        // Each waits after its first lease until all six have leased once, so all six really overlap: without that, one
        // worker may drain the SQLite file alone before the others are scheduled (CI saw it), and the test proves less.
        var firstLeases = 6;
        var allHaveLeased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var leases = await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var mine = new List<IReadOnlyList<LeasedMessage>>();
            while (true)
            {
                IReadOnlyList<LeasedMessage> batch;
                await using (var db = await _db.Factory.CreateDbContextAsync())
                {
                    batch = await MessageLedger.LeaseAsync(db, campaignId, $"worker-{w}", 37, Now, TimeSpan.FromMinutes(2));
                }

                if (mine.Count == 0 && Interlocked.Decrement(ref firstLeases) == 0)
                {
                    allHaveLeased.SetResult();
                }

                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.Add(batch);
                await allHaveLeased.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        })));

        var batches = leases.SelectMany(l => l).ToList();
        batches.ShouldAllBe(b => b.Count <= 37);
        var ids = batches.SelectMany(b => b.Select(m => m.Id)).ToList();
        ids.Count.ShouldBe(1_200);
        ids.Distinct().Count().ShouldBe(1_200);
        leases.ShouldAllBe(l => l.Count > 0, "every worker got rows (6 × 37 < 1,200, and each leased once before any leased twice)");
    }

    [Fact]
    public async Task APerMinuteLimitHoldsOverWorkersLeasingAtOnceAndCountsRowsInFlight()
    {
        var campaignId = await CampaignWithMessagesAsync(300);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Ten sent 30 s ago count against the minute; the rest is allowance.
            await db.Messages.Where(m => m.CampaignId == campaignId).OrderBy(m => m.Id).Take(10)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Sent).SetProperty(m => m.SentAt, Now.AddSeconds(-30)));
        }

        var leased = await Task.WhenAll(Enumerable.Range(0, 5).Select(w => Task.Run(async () =>
        {
            await using var db = await _db.Factory.CreateDbContextAsync();
            return (await MessageLedger.LeaseWithinLimitsAsync(db, campaignId, $"worker-{w}", 40, Now, TimeSpan.FromMinutes(2), perMinute: 50, perHour: null)).Count;
        })));

        leased.Sum().ShouldBe(40, "50 a minute, 10 already sent: 40 for all workers together, not 40 each");
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Next minute the sent ten are out of the window, the forty leased are still in flight.
            (await MessageLedger.LeaseWithinLimitsAsync(db, campaignId, "later", 40, Now.AddSeconds(45), TimeSpan.FromMinutes(2), perMinute: 50, perHour: null))
                .Count.ShouldBe(10);
        }
    }

    [Fact]
    public async Task TheSharedAllowanceGrantsTheBurstOnceThenRefillsAtItsRate()
    {
        var start = new DateTimeOffset(Now);
        async Task<AllowanceDraw> Draw(long want, DateTimeOffset at)
        {
            await using var db = await _db.Factory.CreateDbContextAsync();
            return await SendAllowances.DrawAsync(db, "per-second", want, perSecond: 100, burst: 100, at);
        }

        // Eight workers draw at the same moment from a full bucket of 100: together they get exactly 100.
        var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Draw(30, start))));
        first.Sum(d => d.Granted).ShouldBe(100);

        (await Draw(30, start)).Granted.ShouldBe(0);
        var later = await Draw(1_000, start.AddMilliseconds(255));
        later.Granted.ShouldBe(25, "100/s for 255 ms is 25.5 messages: the whole ones are granted");
        later.MilliTokensLeft.ShouldBe(500);

        // A worker whose clock is behind refills nothing; a long pause refills only up to the burst.
        (await Draw(1_000, start)).Granted.ShouldBe(0);
        (await Draw(1_000, start.AddMinutes(5))).Granted.ShouldBe(100);
    }

    private async Task<int> CampaignWithMessagesAsync(int recipients)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var customers = Enumerable.Range(0, recipients).Select(i =>
        {
            var c = new Customer { CreatedAt = Now, UpdatedAt = Now };
            c.SetEmail($"ledger{i}@example.com");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        var campaign = new Campaign { Name = "Ledger", CreatedBy = "test", CreatedAt = Now, LaunchedAt = Now };
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        db.Messages.AddRange(customers.Select(c => new Message { CampaignId = campaign.Id, CustomerId = c.Id, Status = MessageStatus.Queued, QueuedAt = Now }));
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    public sealed class OnSqlite() : MessageLedgerTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : MessageLedgerTests(DatabaseProviders.Postgres);
}
