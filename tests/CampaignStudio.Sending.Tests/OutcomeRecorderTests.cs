using CampaignStudio.Data.Campaigns;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CampaignStudio.Sending.Tests;

/// <summary>
/// The ledger writer on its own, on a clock that stands still unless the test moves it: a result may wait for others to
/// share its commit, but never past the hold, and never while a send waits for room in the in-flight window.
/// </summary>
public sealed class OutcomeRecorderTests(SqliteSendingHost host) : IClassFixture<SqliteSendingHost>
{
    private const string Owner = "recorder-test";

    [Fact]
    public async Task AResultIsCommittedAtOnceWhenTheWindowIsFullWithoutWaitingForTheHold()
    {
        var leased = await LeasedAsync("full-window", 4);
        var clock = new FakeTimeProvider(StudioClock.DefaultStart);
        await using var recorder = new OutcomeRecorder(host.Db, Owner, window: 4, clock);
        for (var i = 0; i < 4; i++)
        {
            await recorder.ReserveAsync(CancellationToken.None);
        }

        recorder.Complete(Sent(leased[0], clock));

        // The clock never moves: only the full window can trigger this commit, and it hands the slot back.
        await WaitUntilAsync(() => StatusAsync(leased[0].Id), MessageStatus.Sent, () => { });
        await recorder.ReserveAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AResultAloneIsCommittedWhenTheHoldIsOver()
    {
        var leased = await LeasedAsync("alone", 2);
        var clock = new FakeTimeProvider(StudioClock.DefaultStart);
        await using var recorder = new OutcomeRecorder(host.Db, Owner, window: 64, clock);
        await recorder.ReserveAsync(CancellationToken.None);

        recorder.Complete(Sent(leased[0], clock));

        // Far from half a window and the batch still open: only the hold running out commits it.
        await WaitUntilAsync(() => StatusAsync(leased[0].Id), MessageStatus.Sent, () => clock.Advance(OutcomeRecorder.MaxHold / 5));
        (await StatusAsync(leased[1].Id)).ShouldBe(MessageStatus.Sending);
    }

    private static MessageOutcome Sent(LeasedMessage message, TimeProvider clock) =>
        new(message.Id, MessageStatus.Sent, SentAt: clock.GetUtcNow().UtcDateTime, MessageIdHeader: $"<{message.Id}@test>");

    private async Task<IReadOnlyList<LeasedMessage>> LeasedAsync(string prefix, int count)
    {
        var build = new CampaignTestBuilder(host.Services);
        var ids = await build.CustomersAsync(prefix, count, optedIn: count);
        var campaignId = await build.ScheduledCampaignAsync(prefix, await build.SegmentAsync(prefix, ids), await build.TemplateAsync(prefix));
        await host.Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single().StartDueCampaignsAsync(CancellationToken.None);
        await using var db = await host.Db.CreateDbContextAsync();
        var leased = await MessageLedger.LeaseAsync(db, campaignId, Owner, count, host.Clock.GetUtcNow().UtcDateTime, TimeSpan.FromMinutes(2));
        leased.Count.ShouldBe(count);
        return leased;
    }

    private async Task<MessageStatus> StatusAsync(long messageId)
    {
        await using var db = await host.Db.CreateDbContextAsync();
        return await db.Messages.Where(m => m.Id == messageId).Select(m => m.Status).SingleAsync();
    }

    /// <summary>Waits (10 s at most) for a message to reach a status, doing <paramref name="meanwhile"/> between looks.</summary>
    private static async Task WaitUntilAsync(Func<Task<MessageStatus>> status, MessageStatus expected, Action meanwhile)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await status() != expected)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the result was not committed as {expected}");
            meanwhile();
            await Task.Delay(20);
        }
    }
}
