using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CampaignStudio.Bench;

/// <summary>What the numbers were measured on; written beside every section of RESULTS.md.</summary>
public sealed record MachineInfo(string Cpu, int Cores, double RamGb, string Os, string Runtime, string Commit, DateTimeOffset Date, string? LoadAverage)
{
    public static async Task<MachineInfo> ReadAsync(string repo)
    {
        var cpu = ReadCpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var os = ReadOsName() ?? RuntimeInformation.OSDescription;
        var commit = await GitAsync(repo, "rev-parse --short HEAD") ?? "unknown";
        // Others commit in parallel: say when src/ differed from the commit, so the number is not pinned on the wrong code.
        var dirty = await GitAsync(repo, "status --porcelain -- src") is { Length: > 0 };
        return new MachineInfo(cpu, Environment.ProcessorCount, ReadRamGb(), os, RuntimeInformation.FrameworkDescription,
            dirty ? commit + " (+ uncommitted changes in src/)" : commit, DateTimeOffset.Now, ReadLoadAverage());
    }

    public string Line =>
        $"{Date:yyyy-MM-dd HH:mm zzz} · commit `{Commit}` · {Cpu} · {Cores} cores · {RamGb:F1} GB RAM · {Os} · {Runtime}" +
        (LoadAverage is null ? "" : $" · load average at start {LoadAverage} (other work on the machine inflates the times)");

    /// <summary>The 1, 5 and 15 minute load averages: on a shared 2-core machine, anything near 2 means the numbers are pessimistic.</summary>
    private static string? ReadLoadAverage()
    {
        const string loadavg = "/proc/loadavg";
        return File.Exists(loadavg) ? string.Join(" / ", File.ReadAllText(loadavg).Split(' ').Take(3)) : null;
    }

    private static string? ReadCpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
        {
            return null;
        }

        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static double ReadRamGb()
    {
        const string meminfo = "/proc/meminfo";
        if (File.Exists(meminfo))
        {
            var line = File.ReadLines(meminfo).FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            if (long.TryParse(kb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value / 1024.0 / 1024.0;
            }
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0;
    }

    private static string? ReadOsName()
    {
        const string osRelease = "/etc/os-release";
        if (!File.Exists(osRelease))
        {
            return null;
        }

        var line = File.ReadLines(osRelease).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return line is null ? null : $"{line["PRETTY_NAME=".Length..].Trim('"')} ({RuntimeInformation.OSArchitecture}, kernel {Environment.OSVersion.Version})";
    }

    private static async Task<string?> GitAsync(string repo, string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = repo,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }

            var output = await git.StandardOutput.ReadToEndAsync();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
