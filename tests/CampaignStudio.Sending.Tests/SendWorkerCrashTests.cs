using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CampaignStudio.Sending.Tests;

/// <summary>
/// Crash safety with a real separate worker process (the worker host, <c>CampaignStudio.Worker</c>) killed with SIGKILL mid-campaign,
/// several times, on a real SQLite file, writing real .eml files into a pickup folder.
/// </summary>
public sealed partial class SendWorkerCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Recipients = 10_000;
    private const int NotOptedIn = 500;
    private const int InFlightWindow = 32;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-crash-" + Guid.NewGuid().ToString("N"));
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
    public async Task KillingTheWorkerThreeTimesMidCampaignLosesNobodyRepeatsOnlyTheInFlightWindowAndMailsNoOptedOutCustomer()
    {
        var build = new CampaignTestBuilder(_services);
        await CampaignTestBuilder.SenderAsync(_services.GetRequiredService<SenderIdentityStore>());
        var ids = await build.CustomersAsync("crash", Recipients, optedIn: Recipients - NotOptedIn);
        var campaignId = await build.ScheduledCampaignAsync("Crash test", await build.SegmentAsync("Crash audience", ids), await build.TemplateAsync("Crash mail"));

        var kills = 0;
        HashSet<long> optedOutWhileDown = [];
        foreach (var killAt in new[] { 1_500, 4_000, 6_500 })
        {
            using var worker = StartWorker();
            await WaitForAsync(() => MailCount() >= killAt, worker, $"{killAt} mails");
            worker.Kill();
            await worker.WaitForExitAsync();
            kills++;
            output.WriteLine($"kill {kills} at {MailCount()} mails");

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
            await WaitForAsync(() => CampaignStatusAsync(campaignId).GetAwaiter().GetResult() == CampaignStatus.Completed, last, "completion");
            last.Kill();
            await last.WaitForExitAsync();
        }

        await using var check = await Db.CreateDbContextAsync();
        var ledger = await check.Messages.Where(m => m.CampaignId == campaignId).Select(m => new { m.Id, m.CustomerId, m.Status }).ToListAsync();
        ledger.Count.ShouldBe(Recipients);
        ledger.Count(m => m.Status == MessageStatus.Suppressed).ShouldBe(NotOptedIn + optedOutWhileDown.Count);
        ledger.Count(m => m.Status == MessageStatus.Sent).ShouldBe(Recipients - NotOptedIn - optedOutWhileDown.Count);
        ledger.ShouldAllBe(m => m.Status == MessageStatus.Sent || m.Status == MessageStatus.Suppressed);

        var received = Directory.GetFiles(Outbox, "*.eml").Select(RecipientOf).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var sent = ledger.Where(m => m.Status == MessageStatus.Sent).Select(m => m.Id).ToHashSet();
        var duplicates = received.Values.Sum(n => n - 1);
        output.WriteLine($"{received.Values.Sum()} mails for {sent.Count} recipients: {duplicates} duplicates after {kills} kills (bound {kills * InFlightWindow})");

        sent.Where(id => !received.ContainsKey(id)).ShouldBeEmpty("every recipient got the mail");
        received.Keys.Where(id => !sent.Contains(id)).ShouldBeEmpty("no mail to a suppressed (opted-out) recipient");
        duplicates.ShouldBeLessThanOrEqualTo(kills * InFlightWindow);
    }

    private Process StartWorker()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CampaignStudio.Worker.dll"));
        foreach (var arg in new[]
                 {
                     $"--Database:DataFolder={_folder}", "--Mail:Transport=Pickup", $"--Mail:PickupFolder={Outbox}",
                     "--Campaigns:Worker:Lease=00:00:01", "--Campaigns:Worker:PollInterval=00:00:00.100", "--Campaigns:Worker:Parallelism=4",
                     "--Campaigns:Worker:BatchSize=200", $"--Campaigns:Worker:InFlightWindow={InFlightWindow}", "--Logging:LogLevel:Default=Warning",
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

    private async Task<CampaignStatus> CampaignStatusAsync(int id)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Campaigns.Where(c => c.Id == id).Select(c => c.Status).FirstAsync();
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

            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"No {what} within 90 s.");
            }

            await Task.Delay(25);
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
