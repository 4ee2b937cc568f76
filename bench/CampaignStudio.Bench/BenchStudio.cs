using System.Diagnostics;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Bench;

/// <summary>
/// What the benches that drive the studio over HTTP share: the import bench's customers in a migrated SQLite file, the built
/// web app started as its own process on it, a Marketer's API key and the load average.
/// </summary>
public static class BenchStudio
{
    /// <summary>Imports <paramref name="customers"/> with the import bench's CSV into a fresh migrated SQLite file in the workspace.</summary>
    public static async Task<(IDbContextFactory<AppDbContext> Factory, string[] Emails)> ImportAsync(BenchWorkspace workspace, int customers, string bench, CancellationToken ct)
    {
        Console.WriteLine($"{bench}: generating and importing {customers:N0} customers");
        await CustomerCsv.WriteAsync(workspace.CsvPath, customers, ct);
        var factory = await BenchDatabase.CreateAsync(Path.Combine(workspace.Folder, "campaignstudio.db"), ct);
        ImportMapping mapping;
        await using (var head = File.OpenRead(workspace.CsvPath))
        {
            mapping = ImportFields.Suggest(ImportKind.Customers, CsvImporter.Preview(head).Headers);
        }

        await using (var csv = File.OpenRead(workspace.CsvPath))
        {
            await new CsvImporter(factory, TimeProvider.System).ImportAsync(csv, ImportKind.Customers, mapping, ct: ct);
        }

        await using var db = await factory.CreateDbContextAsync(ct);
        return (factory, (await db.Customers.Select(c => c.Email).ToListAsync(ct)).OfType<string>().ToArray());
    }

    /// <summary>
    /// Builds <c>src/CampaignStudio.Web</c> in Release and starts its dll in Development on the workspace's database (no demo
    /// shop, the demo users), answering on <paramref name="baseUri"/>; its output goes to <paramref name="log"/>.
    /// </summary>
    public static async Task<Process> StartAsync(string repo, BenchWorkspace workspace, Uri baseUri, IEnumerable<string> settings, StringBuilder log, string bench, CancellationToken ct)
    {
        var project = Path.Combine(repo, "src", "CampaignStudio.Web");
        Console.WriteLine($"{bench}: dotnet build -c Release src/CampaignStudio.Web");
        var (exit, output) = await ColdStartBenchmark.RunToEndAsync("dotnet", ["build", "-c", "Release", project, "--nologo", "-v", "q"], repo, ct);
        if (exit != 0)
        {
            throw new InvalidOperationException($"Building the web app failed:\n{output}");
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            Path.Combine(project, "bin", "Release", "net10.0", "CampaignStudio.Web.dll"), "--urls", baseUri.ToString().TrimEnd('/'),
            $"--Database:DataFolder={workspace.Folder}", "--Demo:Seed=false", "--Demo:Users=true", "--Logging:LogLevel:Default=Warning",
        }.Concat(settings))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.OutputDataReceived += (_, e) => ColdStartBenchmark.Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => ColdStartBenchmark.Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Stops the web app started by <see cref="StartAsync"/>.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>An API key for the demo Marketer, stored as the settings page stores one (only its hash).</summary>
    public static async Task<string> MarketerKeyAsync(IDbContextFactory<AppDbContext> factory, string name, CancellationToken ct)
    {
        var key = "cs_bench_" + Guid.NewGuid().ToString("N");
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.SingleAsync(u => u.Email == "marketer@demo.local", ct);
        db.ApiKeys.Add(new ApiKey { UserId = user.Id, Name = name, Prefix = key[..12], KeyHash = ApiKeyAuthenticationHandler.Hash(key), CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(ct);
        return key;
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "—";
}
