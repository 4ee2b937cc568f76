using System.Diagnostics;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// Crash safety of the flow engine with the real worker host (<c>CampaignStudio.Worker</c>, engine and send pipeline in one
/// process) killed with SIGKILL mid-send and mid-wait, on a real SQLite file, writing real .eml files into a pickup folder.
/// </summary>
public sealed class FlowEngineCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Customers = 400;
    private const int InFlightWindow = 16;
    private const int Seconds = 180;

    private readonly WorkerProcessRig _rig = new(output, "cs-flowcrash-");

    private IDbContextFactory<AppDbContext> Db => _rig.Db;

    public Task InitializeAsync() => _rig.InitializeAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task KillingTheWorkerMidSendAndMidWaitSkipsNobodyAndRepeatsOnlyTheInFlightWindow()
    {
        var build = new FlowTestBuilder(Db, TimeProvider.System);
        var flow = await build.FlowAsync("Welcome", new FlowDefinition
        {
            Trigger = new EventTrigger(new EventMatch("signed_up")),
            Steps = [new SendEmailStep("first", 1) { HoldoutPercent = 0 }, new WaitStep("pause", 1), new SendEmailStep("second", 1) { HoldoutPercent = 0 }],
        });
        var ids = await build.CustomersAsync("crash", Customers);
        await build.EventsAsync(ids, "signed_up");

        var kills = 0;
        using (var worker = StartWorker())
        {
            // Mid-send: the engine is still queueing first mails while the pipeline sends them.
            await WorkerProcessRig.WaitForAsync(() => _rig.MailCount() >= Customers / 4, worker, "a quarter of the first mails", Seconds);
            await WorkerProcessRig.KillAsync(worker);
            kills++;
            output.WriteLine($"kill {kills} at {_rig.MailCount()} mails");
        }

        using (var worker = StartWorker())
        {
            // Mid-wait: the last customers just passed the first mail and sit in the one-minute wait.
            await WorkerProcessRig.WaitForAsync(() => Trips(flow.Id, null) == Customers && Trips(flow.Id, "first") == 0, worker, "everyone past the first mail", Seconds);
            await WorkerProcessRig.KillAsync(worker);
            kills++;
            var waiting = Trips(flow.Id, "pause");
            output.WriteLine($"kill {kills} at {_rig.MailCount()} mails, {waiting} customers waiting");
            waiting.ShouldBeGreaterThan(0, "killed mid-wait");
        }

        using (var worker = StartWorker())
        {
            await WorkerProcessRig.WaitForAsync(() => SentCount(flow.Campaigns["first"]) == Customers && SentCount(flow.Campaigns["second"]) == Customers, worker, "every mail", Seconds);
            await WorkerProcessRig.KillAsync(worker);
        }

        await using var db = await Db.CreateDbContextAsync();
        var trips = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flow.Id).ToListAsync();
        trips.Count.ShouldBe(Customers);
        trips.ShouldAllBe(e => e.State == FlowEnrollmentState.Finished && e.EntryNumber == 1);
        var visits = await db.FlowStepVisits.AsNoTracking().Where(v => v.FlowId == flow.Id).ToListAsync();
        foreach (var step in new[] { "first", "pause", "second" })
        {
            visits.Where(v => v.StepId == step).Select(v => v.CustomerId).Order().ShouldBe(ids.Order(), $"everyone passed {step} once");
        }

        var ledger = await db.Messages.AsNoTracking().Where(m => flow.Campaigns.Values.Contains(m.CampaignId)).ToListAsync();
        ledger.Count.ShouldBe(2 * Customers);
        ledger.ShouldAllBe(m => m.Status == MessageStatus.Sent);

        var received = _rig.Received();
        var duplicates = received.Values.Sum(n => n - 1);
        output.WriteLine($"{received.Values.Sum()} mails for {ledger.Count} messages: {duplicates} duplicates after {kills} kills (bound {kills * InFlightWindow})");
        ledger.Where(m => !received.ContainsKey(m.Id)).ShouldBeEmpty("every message arrived");
        received.Keys.Where(id => ledger.All(m => m.Id != id)).ShouldBeEmpty("no mail outside the ledger");
        duplicates.ShouldBeLessThanOrEqualTo(kills * InFlightWindow);
    }

    private Process StartWorker() => _rig.StartWorker(
        "--Campaigns:Worker:Lease=00:00:01", "--Campaigns:Worker:PollInterval=00:00:00.100", "--Campaigns:Worker:Parallelism=4",
        "--Campaigns:Worker:BatchSize=50", $"--Campaigns:Worker:InFlightWindow={InFlightWindow}",
        "--Flows:Engine:PollInterval=00:00:00.100", "--Flows:Engine:Lease=00:00:02", "--Flows:Engine:ClusterLease=00:00:03", "--Flows:Engine:BatchSize=20");

    /// <summary>Trips of the flow (at <paramref name="stepId"/>, or all when null).</summary>
    private int Trips(int flowId, string? stepId)
    {
        using var db = Db.CreateDbContext();
        return db.FlowEnrollments.Count(e => e.FlowId == flowId && (stepId == null || e.StepId == stepId));
    }

    private int SentCount(int campaignId) => SentCountAsync(campaignId).GetAwaiter().GetResult();

    private async Task<int> SentCountAsync(int campaignId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent);
    }
}
