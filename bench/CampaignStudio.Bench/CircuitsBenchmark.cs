using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.Bench;

/// <summary>
/// What one Blazor circuit holds with the dashboard open: the studio on Kestrel in this process (real SQLite, demo shop),
/// Debian's Chromium opening dashboards one tab each (a tab is a circuit), and the managed heap after a full, compacting GC
/// before and after. The Playwright client in this process holds a few KB a tab as well, so the figure errs high.
/// </summary>
public static class CircuitsBenchmark
{
    public static async Task<CircuitsResult> RunAsync(string repo, int circuits, CancellationToken ct)
    {
        // The tests learn the web project's folder from an attribute Mvc.Testing adds to test assemblies; the bench names it.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_CAMPAIGNSTUDIO_WEB", Path.Combine(repo, "src", "CampaignStudio.Web"));
        await using var app = new DemoStudio();
        app.UseKestrel(0);
        app.StartServer();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });

        // The sign-in tab ends on the dashboard: the baseline already has one circuit, and every warm cache (EF model, MudBlazor).
        var first = await context.NewPageAsync();
        await first.GotoAsync("/");
        await first.WaitForURLAsync("**/account/login**");
        await first.FillAsync("#email", "marketer@demo.local");
        await first.FillAsync("#password", StudioAppFactory.Password);
        await first.ClickAsync("[data-testid=sign-in]");
        await DashboardAsync(first);
        var baseline = Heap();
        await GcDumpAsync("baseline");
        Console.WriteLine($"circuits: baseline {baseline / 1024.0 / 1024:F1} MB managed with the sign-in tab on the dashboard");

        var steps = new List<CircuitsStep>();
        var pages = new List<IPage>();
        foreach (var target in new[] { 1, circuits }.Distinct())
        {
            while (pages.Count < target)
            {
                ct.ThrowIfCancellationRequested();
                var page = await context.NewPageAsync();
                await page.GotoAsync("/");
                await DashboardAsync(page);
                pages.Add(page);
            }

            var heap = Heap();
            steps.Add(new CircuitsStep(target, heap - baseline));
            Console.WriteLine($"circuits: {target} more dashboards open: +{(heap - baseline) / 1024.0:N0} KB managed = {(heap - baseline) / 1024.0 / target:N0} KB a circuit");
        }

        await GcDumpAsync($"{pages.Count}-tabs");
        return new CircuitsResult(baseline, steps);
    }

    /// <summary>Waits until the tab's circuit is live and the dashboard has drawn its numbers (the chart appears last).</summary>
    private static async Task DashboardAsync(IPage page)
    {
        await page.WaitForSelectorAsync("body[data-interactive=true]");
        await page.WaitForSelectorAsync("[data-testid=monthly-revenue]");
    }

    /// <summary>The managed heap after full, compacting collections (finalizers run in between).</summary>
    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// With CAMPAIGNSTUDIO_GCDUMP naming a dotnet-gcdump executable (<c>dotnet tool install --tool-path … dotnet-gcdump</c>),
    /// dumps this process's heap at the baseline and with the tabs open, each with its <c>dotnet-gcdump report</c> beside it,
    /// so the two can be compared type by type (decision 061 says how they were read).
    /// </summary>
    private static async Task GcDumpAsync(string label)
    {
        if (Environment.GetEnvironmentVariable("CAMPAIGNSTUDIO_GCDUMP") is not { Length: > 0 } tool)
        {
            return;
        }

        var file = Path.Combine(Path.GetTempPath(), $"campaignstudio-circuits-{Environment.ProcessId}-{label}.gcdump");
        await RunAsync(tool, "collect", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "-o", file);
        await File.WriteAllTextAsync(Path.ChangeExtension(file, ".txt"), await RunAsync(tool, "report", file));
        Console.WriteLine($"circuits: heap dump ({label}) kept at {file}, its report at {Path.ChangeExtension(file, ".txt")}");

        static async Task<string> RunAsync(string tool, params string[] args)
        {
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output;
        }
    }

    private sealed class DemoStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 10_000;
    }
}

public sealed record CircuitsStep(int Circuits, long Bytes)
{
    public double KilobytesPerCircuit => Bytes / 1024.0 / Circuits;
}

public sealed record CircuitsResult(long BaselineBytes, IReadOnlyList<CircuitsStep> Steps)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## circuits — managed memory a Blazor circuit holds with the dashboard open");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("The studio on Kestrel in the bench's process (Development, real SQLite, demo shop of 10,000 customers); Debian's Chromium " +
            "(Playwright, headless) signs in as the marketer, then opens the dashboard in new tabs of the same browser context, one circuit each, " +
            "waiting until each has drawn its chart. Managed heap after full compacting collections, minus the baseline (the sign-in tab already " +
            "on the dashboard). The Playwright client's own objects a tab are in the figure too.");
        s.AppendLine();
        s.AppendLine(inv, $"Baseline: {BaselineBytes / 1024.0 / 1024:F1} MB managed.");
        s.AppendLine();
        s.AppendLine("| dashboards open | managed heap growth | per circuit | target ≤ 500 KB |");
        s.AppendLine("|---:|---:|---:|---|");
        foreach (var step in Steps)
        {
            s.AppendLine(inv, $"| {step.Circuits} | {step.Bytes / 1024.0:N0} KB | **{step.KilobytesPerCircuit:N0} KB** | {(step.KilobytesPerCircuit <= 500 ? "met" : "not met")} |");
        }

        if (Steps.Count > 1)
        {
            // The first new tab also warms what the process keeps once (compiled queries, DI call sites, JSON metadata of
            // shared options): what each further circuit adds is the figure that scales to 1,000 users.
            var (first, last) = (Steps[0], Steps[^1]);
            var each = (last.Bytes - first.Bytes) / 1024.0 / (last.Circuits - first.Circuits);
            s.AppendLine();
            s.AppendLine(inv, $"Each circuit after the first: {(last.Bytes - first.Bytes) / 1024.0:N0} KB for {last.Circuits - first.Circuits} more = **{each:N0} KB a circuit** ({(each <= 500 ? "met" : "not met")}).");
        }

        return s.ToString();
    }
}
