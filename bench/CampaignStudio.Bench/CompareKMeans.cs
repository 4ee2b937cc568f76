using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Bench;

/// <summary>
/// Issue 17's k-means comparison: the studio's k-means (one start) and scikit-learn's <c>KMeans(n_init=1)</c> on the same
/// standardized 1,000,000 × 8 customer features, run alternately (studio, peer, studio, …) so a change in the machine's load
/// hits both; same seed per pair. The time is the fit alone on both sides (no loading, no preprocessing).
/// </summary>
public static class CompareKMeans
{
    public static async Task<CompareKMeansResult> RunAsync(string repo, int customers, int pairs, CancellationToken ct)
    {
        var script = Path.Combine(repo, "bench", "peers", "kmeans_sklearn.py");
        var data = KMeansBenchmark.Generate(customers, seed: 7);
        var standardized = Preprocessor.Fit(data, KMeansBenchmark.Transforms).Transform(data);
        var file = Path.Combine(Path.GetTempPath(), $"campaignstudio-kmeans-{Environment.ProcessId}.f32");
        await File.WriteAllBytesAsync(file, MemoryMarshal.AsBytes(standardized.Values).ToArray(), ct);
        try
        {
            var runs = new List<CompareKMeansRun>();
            for (var pair = 0; pair < pairs; pair++)
            {
                ct.ThrowIfCancellationRequested();
                var load = Load();
                var watch = Stopwatch.StartNew();
                var fit = LloydKMeans.TrainBest(standardized, KMeansBenchmark.K, 300, new ClusteringOptions().Tolerance, 1, seed: pair, cancellationToken: ct);
                watch.Stop();
                runs.Add(new CompareKMeansRun(pair + 1, "studio", watch.Elapsed.TotalSeconds, fit.Inertia, fit.Iterations, load));
                Console.WriteLine($"compare kmeans: studio {watch.Elapsed.TotalSeconds:F2} s, {fit.Iterations} iterations, inertia {fit.Inertia:N0}");

                load = Load();
                var peer = await ScikitLearnAsync(script, file, standardized.RowCount, standardized.ColumnCount, pair, ct);
                runs.Add(new CompareKMeansRun(pair + 1, "scikit-learn", peer.Seconds, peer.Inertia, peer.Iterations, load));
                Console.WriteLine($"compare kmeans: scikit-learn {peer.Seconds:F2} s, {peer.Iterations} iterations, inertia {peer.Inertia:N0}");
            }

            return new CompareKMeansResult(customers, standardized.ColumnCount, runs);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static async Task<(double Seconds, double Inertia, int Iterations)> ScikitLearnAsync(string script, string file, int n, int d, int seed, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, file, n.ToString(CultureInfo.InvariantCulture), d.ToString(CultureInfo.InvariantCulture), KMeansBenchmark.K.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scikit-learn failed (is Debian's python3-sklearn installed? apt-get install python3-sklearn): {await error}");
        }

        using var json = JsonDocument.Parse(await output);
        var root = json.RootElement;
        return (root.GetProperty("seconds").GetDouble(), root.GetProperty("inertia").GetDouble(), root.GetProperty("iterations").GetInt32());
    }
}

public sealed record CompareKMeansRun(int Pair, string Side, double Seconds, double Inertia, int Iterations, string Load)
{
    public double MillisecondsPerIteration => Seconds * 1000 / Math.Max(1, Iterations);
}

public sealed record CompareKMeansResult(int Customers, int Features, IReadOnlyList<CompareKMeansRun> Runs)
{
    private IReadOnlyList<CompareKMeansRun> Side(string side) => Runs.Where(r => r.Side == side).ToList();

    /// <summary>Studio seconds over scikit-learn's seconds (medians): at most 1.0 is the target.</summary>
    public double TimeRatio => Stats.Median(Side("studio").Select(r => r.Seconds).ToList()) / Stats.Median(Side("scikit-learn").Select(r => r.Seconds).ToList());

    /// <summary>Studio inertia over scikit-learn's (medians over the same seeds): at most 1.01 is the target.</summary>
    public double InertiaRatio => Stats.Median(Side("studio").Select(r => r.Inertia).ToList()) / Stats.Median(Side("scikit-learn").Select(r => r.Inertia).ToList());

    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## compare-kmeans — the studio's k-means vs scikit-learn, same rows, alternating runs");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.Append(inv, $"{Customers:N0} customers × {Features} features (the `kmeans` bench's buyer groups, log1p + standardized by the studio's `Preprocessor`), ");
        s.AppendLine("written once as float32 and read by both. k = 8, one k-means++ start, tolerance 1e-4 (relative to the mean variance) on both sides. " +
            "Studio: `LloydKMeans` (greedy k-means++, Lloyd iterations on every core, chunked sums added up in a fixed order so the result does not " +
            "depend on the cores). Peer: Debian's scikit-learn `KMeans(n_init=1, algorithm=\"lloyd\")` (OpenMP, every core), `bench/peers/kmeans_sklearn.py`. " +
            "Fit time only, wall clock.");
        s.AppendLine();
        s.AppendLine("| pair | side | seconds | iterations | ms / iteration | inertia | 1-min load at start |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var r in Runs)
        {
            s.AppendLine(inv, $"| {r.Pair} | {r.Side} | {r.Seconds:F2} | {r.Iterations} | {r.MillisecondsPerIteration:F1} | {r.Inertia:N0} | {r.Load} |");
        }

        s.AppendLine();
        s.Append(inv, $"**Time ratio (studio / scikit-learn, medians): {TimeRatio:F2}** (target ≤ 1.0: {(TimeRatio <= 1.0 ? "met" : "not met")}); ");
        s.Append(inv, $"**inertia ratio: {InertiaRatio:F4}** (target ≤ 1.01: {(InertiaRatio <= 1.01 ? "met" : "not met")}). ");
        s.AppendLine("Before issue 17 the studio ran ML.NET's k-means on one thread (reproducible only there): 8–15 s for one start here.");
        return s.ToString();
    }
}
