using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// Crash safety of the flow engine with the real worker host (<c>CampaignStudio.Worker</c>, engine and send pipeline in one
/// process) killed with SIGKILL mid-send and mid-wait, on a real SQLite file, writing real .eml files into a pickup folder.
/// </summary>
public sealed partial class FlowEngineCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Customers = 400;
    private const int InFlightWindow = 16;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-flowcrash-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;

    private string Outbox => Path.Combine(_folder, "outbox");

    private IDbContextFactory<AppDbContext> Db => _services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Outbox);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = _folder }).Build();
        // The worker runs as a separate process on the real clock, so the rows it reads are written on the real clock too.
        _services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System).AddStudioData(_folder).BuildServiceProvider();
        await DatabaseMigrator.MigrateAsync(Db);
        await CampaignTestBuilder.SenderAsync(_services.GetRequiredService<SenderIdentityStore>());
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

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
            await WaitForAsync(() => MailCount() >= Customers / 4, worker, "a quarter of the first mails");
            await KillAsync(worker);
            kills++;
            output.WriteLine($"kill {kills} at {MailCount()} mails");
        }

        using (var worker = StartWorker())
        {
            // Mid-wait: the last customers just passed the first mail and sit in the one-minute wait.
            await WaitForAsync(() => Trips(flow.Id, null) == Customers && Trips(flow.Id, "first") == 0, worker, "everyone past the first mail");
            await KillAsync(worker);
            kills++;
            var waiting = Trips(flow.Id, "pause");
            output.WriteLine($"kill {kills} at {MailCount()} mails, {waiting} customers waiting");
            waiting.ShouldBeGreaterThan(0, "killed mid-wait");
        }

        using (var worker = StartWorker())
        {
            await WaitForAsync(() => SentCount(flow.Campaigns["first"]) == Customers && SentCount(flow.Campaigns["second"]) == Customers, worker, "every mail");
            await KillAsync(worker);
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

        var received = Directory.GetFiles(Outbox, "*.eml").Select(RecipientOf).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var duplicates = received.Values.Sum(n => n - 1);
        output.WriteLine($"{received.Values.Sum()} mails for {ledger.Count} messages: {duplicates} duplicates after {kills} kills (bound {kills * InFlightWindow})");
        ledger.Where(m => !received.ContainsKey(m.Id)).ShouldBeEmpty("every message arrived");
        received.Keys.Where(id => ledger.All(m => m.Id != id)).ShouldBeEmpty("no mail outside the ledger");
        duplicates.ShouldBeLessThanOrEqualTo(kills * InFlightWindow);
    }

    private static async Task KillAsync(Process worker)
    {
        worker.Kill();
        await worker.WaitForExitAsync();
    }

    private Process StartWorker()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CampaignStudio.Worker.dll"));
        foreach (var arg in new[]
                 {
                     $"--Database:DataFolder={_folder}", "--Mail:Transport=Pickup", $"--Mail:PickupFolder={Outbox}",
                     "--Campaigns:Worker:Lease=00:00:01", "--Campaigns:Worker:PollInterval=00:00:00.100", "--Campaigns:Worker:Parallelism=4",
                     "--Campaigns:Worker:BatchSize=50", $"--Campaigns:Worker:InFlightWindow={InFlightWindow}",
                     "--Flows:Engine:PollInterval=00:00:00.100", "--Flows:Engine:Lease=00:00:02", "--Flows:Engine:ClusterLease=00:00:03",
                     "--Flows:Engine:BatchSize=20", "--Logging:LogLevel:Default=Warning",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The worker did not start.");
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            try
            {
                output.WriteLine("worker: " + line);
            }
            catch (InvalidOperationException)
            {
                // Output after the test finished.
            }
        }
    }

    private int MailCount() => Directory.EnumerateFiles(Outbox, "*.eml").Count();

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

    private static async Task WaitForAsync(Func<bool> condition, Process worker, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (worker.HasExited)
            {
                throw new InvalidOperationException($"The worker exited (code {worker.ExitCode}) before {what}.");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(180))
            {
                throw new TimeoutException($"No {what} within 180 s.");
            }

            await Task.Delay(50);
        }
    }

    private static long RecipientOf(string file)
    {
        using var reader = new StreamReader(file);
        var head = new char[4096];
        var read = reader.ReadBlock(head, 0, head.Length);
        return long.Parse(RecipientHeader().Match(new string(head, 0, read)).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"X-CampaignStudio-Recipient: (\d+)")]
    private static partial Regex RecipientHeader();
}
