using System.Diagnostics;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Web;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Xunit.Abstractions;

namespace CampaignStudio.Sending.Tests;

/// <summary>
/// The web app and the worker host under one custom data folder: one transport choice and one key ring, so both write .eml
/// files into the same outbox and read each other's signed links. Each host has its own content root, as when both run
/// from their own project folders.
/// </summary>
public sealed class HostsShareOneOutboxTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cs-hosts-" + Guid.NewGuid().ToString("N"));

    private string DataFolder => Path.Combine(_root, "custom-data");

    [Theory]
    [InlineData(null, "outbox")]
    [InlineData("mail/out", "mail/out")]
    public async Task TheWebAppAndTheWorkerHostWriteToTheSameOutboxAndShareTheKeyRing(string? pickupFolder, string expectedUnderDataFolder)
    {
        string[] args = [$"--Database:DataFolder={DataFolder}", "--Mail:Transport=Pickup", "--Logging:LogLevel:Default=Warning",
            .. pickupFolder is null ? Array.Empty<string>() : [$"--Mail:PickupFolder={pickupFolder}"]];

        var webBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args, ContentRootPath = Folder("web-root"), EnvironmentName = Environments.Production,
        });
        webBuilder.AddStudio();
        await using var web = webBuilder.Build();

        var workerBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args, ContentRootPath = Folder("worker-root"), EnvironmentName = Environments.Production,
        });
        using var worker = workerBuilder.AddSendWorkerHost().Build();
        await DatabaseMigrator.MigrateAsync(worker.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());

        var expected = Path.GetFullPath(Path.Combine(DataFolder, expectedUnderDataFolder));
        // Both hosts sign what they send (once a key is set) in front of the same outbox.
        var webTransport = web.Services.GetRequiredService<IMailTransport>().ShouldBeOfType<DkimSigningTransport>().Inner.ShouldBeOfType<PickupFolderTransport>();
        var workerTransport = worker.Services.GetRequiredService<IMailTransport>().ShouldBeOfType<DkimSigningTransport>().Inner.ShouldBeOfType<PickupFolderTransport>();
        webTransport.Folder.ShouldBe(expected);
        workerTransport.Folder.ShouldBe(expected);

        (await webTransport.SendAsync(Mail("from the web app"))).IsSent.ShouldBeTrue();
        (await workerTransport.SendAsync(Mail("from the worker host"))).IsSent.ShouldBeTrue();
        var subjects = Directory.GetFiles(expected, "*.eml").Select(f => MimeMessage.Load(f).Subject).Order().ToList();
        subjects.ShouldBe(["from the web app", "from the worker host"]);

        // One key ring in the database: a link the worker signs into a mail opens in the web app.
        var signed = worker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("hosts-test").Protect("message 7");
        web.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("hosts-test").Unprotect(signed).ShouldBe("message 7");
    }

    [Fact]
    public async Task BothWaysToRunTheWorkerSendACampaignIntoTheSameOutbox()
    {
        // Both workers run as separate processes on the real clock, so the campaigns they must find due are written on it too.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = DataFolder }).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System)
            .AddStudioData(DataFolder).BuildServiceProvider();
        var db = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await DatabaseMigrator.MigrateAsync(db);
        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>());
        var build = new CampaignTestBuilder(services);
        var outbox = Path.Combine(DataFolder, "outbox");

        // The worker host, then the web binary's --worker-only: each from its own working folder, each with one campaign.
        foreach (var (binary, extra) in new[] { ("CampaignStudio.Worker.dll", (string?)null), ("CampaignStudio.Web.dll", "--worker-only") })
        {
            var ids = await build.CustomersAsync(Path.GetFileNameWithoutExtension(binary).Replace('.', '-') + "-", 3, optedIn: 3);
            var campaignId = await build.ScheduledCampaignAsync(binary, await build.SegmentAsync(binary, ids), await build.TemplateAsync(binary));
            using var process = Start(binary, extra);
            await WaitForAsync(async () =>
            {
                await using var read = await db.CreateDbContextAsync();
                return await read.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Status).FirstAsync() == CampaignStatus.Completed;
            }, process, $"{binary} to finish its campaign");
            process.Kill();
            await process.WaitForExitAsync();
        }

        var mail = Directory.GetFiles(outbox, "*.eml").Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address).Order().ToList();
        mail.ShouldBe(new[] { "CampaignStudio-Web-0", "CampaignStudio-Web-1", "CampaignStudio-Web-2", "CampaignStudio-Worker-0", "CampaignStudio-Worker-1", "CampaignStudio-Worker-2" }
            .Select(prefix => prefix.ToLowerInvariant() + "@example.com").Order().ToList());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static MimeMessage Mail(string subject)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Hello" } };
        message.From.Add(new MailboxAddress("Demo Shop", "news@shop.example.com"));
        message.To.Add(new MailboxAddress("Anna", "anna@example.com"));
        return message;
    }

    private Process Start(string binary, string? extra)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Folder(binary + "-root"), UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, binary));
        foreach (var arg in new[] { extra, $"--Database:DataFolder={DataFolder}", "--Mail:Transport=Pickup", "--Campaigns:Worker:PollInterval=00:00:00.100",
                     "--Logging:LogLevel:Default=Warning" })
        {
            if (arg is not null)
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        process.OutputDataReceived += (_, e) => Log(binary, e.Data);
        process.ErrorDataReceived += (_, e) => Log(binary, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string binary, string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            try
            {
                output.WriteLine($"{binary}: {line}");
            }
            catch (InvalidOperationException)
            {
                // Output after the test finished.
            }
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Process process, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The process exited (code {process.ExitCode}) before {what}.");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"No {what} within 60 s.");
            }

            await Task.Delay(50);
        }
    }
}
