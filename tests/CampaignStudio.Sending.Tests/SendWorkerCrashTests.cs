using System.Diagnostics;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace CampaignStudio.Sending.Tests;

/// <summary>
/// Crash safety with a real separate worker process (the worker host, <c>CampaignStudio.Worker</c>) killed with SIGKILL mid-campaign,
/// several times, on a real SQLite file, writing real .eml files into a pickup folder.
/// </summary>
public sealed class SendWorkerCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Recipients = 10_000;
    private const int NotOptedIn = 500;
    private const int InFlightWindow = 32;

    private readonly WorkerProcessRig _rig = new(output, "cs-crash-");

    private IDbContextFactory<AppDbContext> Db => _rig.Db;

    public Task InitializeAsync() => _rig.InitializeAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task KillingTheWorkerThreeTimesMidCampaignLosesNobodyRepeatsOnlyTheInFlightWindowAndMailsNoOptedOutCustomer()
    {
        var build = new CampaignTestBuilder(_rig.Services);
        var ids = await build.CustomersAsync("crash", Recipients, optedIn: Recipients - NotOptedIn);
        var campaignId = await build.ScheduledCampaignAsync("Crash test", await build.SegmentAsync("Crash audience", ids), await build.TemplateAsync("Crash mail"));

        var kills = 0;
        HashSet<long> optedOutWhileDown = [];
        foreach (var killAt in new[] { 1_500, 4_000, 6_500 })
        {
            using var worker = StartWorker();
            await WorkerProcessRig.WaitForAsync(() => _rig.MailCount() >= killAt, worker, $"{killAt} mails");
            worker.Kill();
            await worker.WaitForExitAsync();
            kills++;
            output.WriteLine($"kill {kills} at {_rig.MailCount()} mails");

            if (kills == 1)
            {
                // While no worker runs, 100 customers whose mail has not gone out opt out: none of them may get it.
                await using var db = await Db.CreateDbContextAsync();
                var queued = await db.Messages.Where(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)
                    .OrderByDescending(m => m.Id).Take(100).Select(m => m.CustomerId).ToListAsync();
                optedOutWhileDown = [.. queued];
                await db.Customers.Where(c => optedOutWhileDown.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.EmailConsent, ConsentStatus.OptedOut));
            }
        }

        using (var last = StartWorker())
        {
            await WorkerProcessRig.WaitForAsync(() => CampaignStatusAsync(campaignId).GetAwaiter().GetResult() == CampaignStatus.Completed, last, "completion");
            last.Kill();
            await last.WaitForExitAsync();
        }

        await using var check = await Db.CreateDbContextAsync();
        var ledger = await check.Messages.Where(m => m.CampaignId == campaignId).Select(m => new { m.Id, m.CustomerId, m.Status }).ToListAsync();
        ledger.Count.ShouldBe(Recipients);
        ledger.Count(m => m.Status == MessageStatus.Suppressed).ShouldBe(NotOptedIn + optedOutWhileDown.Count);
        ledger.Count(m => m.Status == MessageStatus.Sent).ShouldBe(Recipients - NotOptedIn - optedOutWhileDown.Count);
        ledger.ShouldAllBe(m => m.Status == MessageStatus.Sent || m.Status == MessageStatus.Suppressed);

        var received = _rig.Received();
        var sent = ledger.Where(m => m.Status == MessageStatus.Sent).Select(m => m.Id).ToHashSet();
        var duplicates = received.Values.Sum(n => n - 1);
        output.WriteLine($"{received.Values.Sum()} mails for {sent.Count} recipients: {duplicates} duplicates after {kills} kills (bound {kills * InFlightWindow})");

        sent.Where(id => !received.ContainsKey(id)).ShouldBeEmpty("every recipient got the mail");
        received.Keys.Where(id => !sent.Contains(id)).ShouldBeEmpty("no mail to a suppressed (opted-out) recipient");
        duplicates.ShouldBeLessThanOrEqualTo(kills * InFlightWindow);
    }

    private Process StartWorker() => _rig.StartWorker(
        "--Campaigns:Worker:Lease=00:00:01", "--Campaigns:Worker:PollInterval=00:00:00.100", "--Campaigns:Worker:Parallelism=4",
        "--Campaigns:Worker:BatchSize=200", $"--Campaigns:Worker:InFlightWindow={InFlightWindow}");

    private async Task<CampaignStatus> CampaignStatusAsync(int id)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Campaigns.Where(c => c.Id == id).Select(c => c.Status).FirstAsync();
    }
}
