using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace CampaignStudio.Bench;

/// <summary>
/// Process start to first page served: the built web app in Development (demo users + 50,000 demo customers seeded on
/// first start) on a fresh data folder, then a second start on the same, already seeded, folder.
/// </summary>
public static partial class ColdStartBenchmark
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static async Task<ColdStartResult> RunAsync(string repo, CancellationToken ct)
    {
        var project = Path.Combine(repo, "src", "CampaignStudio.Web");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "CampaignStudio.Web.dll");
        Console.WriteLine("coldstart: dotnet build -c Release src/CampaignStudio.Web");
        var build = Stopwatch.StartNew();
        var (exit, output) = await RunToEndAsync("dotnet", ["build", "-c", "Release", project, "--nologo", "-v", "q"], repo, ct);
        if (exit != 0)
        {
            throw new InvalidOperationException($"Building the web app failed:\n{output}");
        }

        Console.WriteLine($"coldstart: built in {build.Elapsed.TotalSeconds:F0} s");
        var dataFolder = Path.Combine(Path.GetTempPath(), "campaignstudio-coldstart-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataFolder);
        try
        {
            var fresh = await StartOnceAsync(dll, project, dataFolder, "fresh database (migrate + demo users + seed 50,000 customers)", ct);
            var seeded = await StartOnceAsync(dll, project, dataFolder, "second start (database already seeded)", ct);
            return new ColdStartResult(fresh, seeded);
        }
        finally
        {
            try
            {
                Directory.Delete(dataFolder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static async Task<ColdStartRun> StartOnceAsync(string dll, string project, string dataFolder, string label, CancellationToken ct)
    {
        var port = FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--urls", baseUri.ToString().TrimEnd('/'), $"--Database:DataFolder={dataFolder}" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var log = new StringBuilder();
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        TimeSpan? listening = null;
        process.OutputDataReceived += (_, e) =>
        {
            // Kestrel starts listening only after PrepareStudioAsync (migrate, roles, demo users, seeding) has finished.
            listening ??= e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true ? watch.Elapsed : null;
            Append(log, e.Data);
        };
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var health = await WaitForOkAsync(http, "/healthz", process, watch, log, ct);
            var login = await WaitForOkAsync(http, "/account/login", process, watch, log, ct);
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            var seeded = SeededLine().Match(text);
            double? seedSeconds = seeded.Success ? double.Parse(seeded.Groups[1].Value, CultureInfo.InvariantCulture) : null;
            Console.WriteLine($"coldstart: {label}: /healthz 200 after {health.TotalSeconds:F2} s, /account/login 200 after {login.TotalSeconds:F2} s" +
                (seedSeconds is { } sec ? $" (seeding {sec:F1} s)" : ""));
            return new ColdStartRun(label, health, login, seedSeconds, listening);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    internal static async Task<TimeSpan> WaitForOkAsync(HttpClient http, string path, Process process, Stopwatch watch, StringBuilder log, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited || watch.Elapsed > Timeout)
            {
                string text;
                lock (log)
                {
                    text = log.ToString();
                }

                throw new InvalidOperationException($"The web app {(process.HasExited ? $"exited with {process.ExitCode}" : "did not answer")} before {path} returned 200:\n{text}");
            }

            try
            {
                using var response = await http.GetAsync(path, ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    await response.Content.ReadAsByteArrayAsync(ct);
                    return watch.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(25, ct);
        }
    }

    internal static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task<(int ExitCode, string Output)> RunToEndAsync(string file, string[] arguments, string workingDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"Seeded the demo shop in ([0-9]+(?:\.[0-9]+)?) s")]
    private static partial Regex SeededLine();
}

public sealed record ColdStartRun(string Label, TimeSpan Healthy, TimeSpan FirstPage, double? SeedSeconds, TimeSpan? Listening);

public sealed record ColdStartResult(ColdStartRun Fresh, ColdStartRun Seeded)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine("## coldstart — process start to first page served, with the demo data");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("`dotnet src/CampaignStudio.Web/bin/Release/net10.0/CampaignStudio.Web.dll --urls http://127.0.0.1:<port> --Database:DataFolder=<temp>` " +
            "with `ASPNETCORE_ENVIRONMENT=Development` (demo users, 50,000 demo customers), working directory src/CampaignStudio.Web. " +
            "Polls `GET /healthz` until 200, then `GET /account/login` until 200 (the first rendered page). The clock starts at process start.");
        s.AppendLine();
        s.AppendLine("| start | Kestrel listening | /healthz 200 | **first page** (/account/login 200) | of which seeding (app's log) |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var run in new[] { Fresh, Seeded })
        {
            s.AppendLine(inv, $"| {run.Label} | {Seconds(run.Listening)} | {run.Healthy.TotalSeconds:F2} s | **{run.FirstPage.TotalSeconds:F2} s** | " +
                $"{(run.SeedSeconds is { } sec ? $"{sec:F1} s" : "—")} |");
        }

        s.AppendLine();
        s.AppendLine("Until \"Now listening\" the process loads the runtime, builds the host and runs `PrepareStudioAsync` (migrate, roles, demo users, " +
            "seeding), which finishes before the server accepts a request; the rest is the first requests' own work (JIT, Razor component rendering).");

        s.AppendLine();
        s.AppendLine(inv, $"**Verdict:** no numeric target was set for cold start; measured {Fresh.FirstPage.TotalSeconds:F1} s to the first page on a fresh database " +
            $"and {Seeded.FirstPage.TotalSeconds:F1} s on an already seeded one.");
        return s.ToString();
    }

    private static string Seconds(TimeSpan? time) => time is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F2} s") : "—";
}
