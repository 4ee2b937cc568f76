using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CampaignStudio.TestSupport.Web;

/// <summary>
/// For crash tests: the real worker host (<c>CampaignStudio.Worker</c>, copied next to the test assembly by a project
/// reference) started as a separate process on a real SQLite file, writing .eml files into a pickup folder, and killed with
/// SIGKILL. The test's own services read and write the same database on the real clock, as the worker does.
/// </summary>
public sealed partial class WorkerProcessRig(ITestOutputHelper output, string folderPrefix) : IAsyncDisposable
{
    private ServiceProvider? _services;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N"));

    public string Outbox => Path.Combine(Folder, "outbox");

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    /// <summary>Creates and migrates the database and sets a sender identity.</summary>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Outbox);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = Folder }).Build();
        // The worker runs as a separate process on the real clock, so the rows it reads are written on the real clock too.
        _services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System).AddStudioData(Folder).BuildServiceProvider();
        await DatabaseMigrator.MigrateAsync(Db);
        await CampaignTestBuilder.SenderAsync(Services.GetRequiredService<SenderIdentityStore>());
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Starts the worker host on this database, mailing into <see cref="Outbox"/>, with <paramref name="settings"/> (<c>--Key=value</c>) added.</summary>
    public Process StartWorker(params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CampaignStudio.Worker.dll"));
        foreach (var arg in new[] { $"--Database:DataFolder={Folder}", "--Mail:Transport=Pickup", $"--Mail:PickupFolder={Outbox}", "--Logging:LogLevel:Default=Warning" }.Concat(settings))
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

    /// <summary>SIGKILL: no shutdown, no flushing, as a crash.</summary>
    public static async Task KillAsync(Process worker)
    {
        worker.Kill();
        await worker.WaitForExitAsync();
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails when the worker exits first or after <paramref name="seconds"/>.</summary>
    public static async Task WaitForAsync(Func<bool> condition, Process worker, string what, int seconds = 90)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (worker.HasExited)
            {
                throw new InvalidOperationException($"The worker exited (code {worker.ExitCode}) before {what}.");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"No {what} within {seconds} s.");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>How many mails the worker wrote so far.</summary>
    public int MailCount() => Directory.EnumerateFiles(Outbox, "*.eml").Count();

    /// <summary>How many mails each message id (the recipient header) received.</summary>
    public Dictionary<long, int> Received() =>
        Directory.GetFiles(Outbox, "*.eml").Select(RecipientOf).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

    private static long RecipientOf(string file)
    {
        using var reader = new StreamReader(file);
        var head = new char[4096];
        var read = reader.ReadBlock(head, 0, head.Length);
        return long.Parse(RecipientHeader().Match(new string(head, 0, read)).Groups[1].Value, CultureInfo.InvariantCulture);
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

    [GeneratedRegex(@"X-CampaignStudio-Recipient: (\d+)")]
    private static partial Regex RecipientHeader();
}
