using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Bench;

/// <summary>
/// k-means (k = 8) on customer-like features: 8 features with 8 latent buyer groups, money and counts skewed like a shop's,
/// through the studio's <see cref="KMeansClusterer"/> (log1p + standardization + the studio's k-means, best of 3 starts).
/// </summary>
public static class KMeansBenchmark
{
    public const int K = 8;

    private static readonly string[] Features =
        [CustomerFeatures.RecencyDays, CustomerFeatures.Frequency, CustomerFeatures.Monetary, CustomerFeatures.TenureDays,
         CustomerFeatures.AverageOrderValue, CustomerFeatures.Engagement, CustomerFeatures.CategoryShareKey("Books"), CustomerFeatures.CategoryShareKey("Fashion")];

    /// <summary>Each feature's catalogue transform (log1p for money and counts).</summary>
    public static IReadOnlyList<FeatureTransform> Transforms => Features.Select(CustomerFeatures.TransformOf).ToList();

    public static KMeansBenchmarkResult Run(IReadOnlyList<int> sizes, CancellationToken ct)
    {
        var rows = new List<KMeansRow>();
        foreach (var n in sizes)
        {
            var data = Generate(n, seed: 7);
            var transforms = Transforms;
            foreach (var restarts in new[] { 1, 3 })
            {
                var watch = Stopwatch.StartNew();
                var result = KMeansClusterer.Fit(data, new ClusteringOptions { K = K, Seed = 42, Restarts = restarts, Transforms = transforms }, ct);
                watch.Stop();
                var row = new KMeansRow(n, restarts, watch.Elapsed.TotalSeconds, result.Inertia, result.Sizes.Min(), result.Sizes.Max());
                Console.WriteLine($"kmeans: {n:N0} × {Features.Length}, k={K}, starts={restarts}: {row.Seconds:F2} s, inertia {row.Inertia:N0}");
                rows.Add(row);
            }
        }

        return new KMeansBenchmarkResult(rows);
    }

    /// <summary>Eight buyer groups (one-timers, regulars, big spenders, ...) with log-normal money and Poisson-like counts.</summary>
    public static FeatureMatrix Generate(int n, int seed)
    {
        var rng = new Random(seed);
        var values = new float[n * Features.Length];
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        for (var i = 0; i < n; i++)
        {
            var group = rng.Next(8);
            var orders = Math.Max(1, (int)Math.Round(Math.Exp(0.3 * group + 0.4 * Normal())));
            var aov = Math.Exp(3.5 + 0.15 * group + 0.4 * Normal());
            var row = i * Features.Length;
            values[row] = (float)Math.Clamp(600 - 70 * group + 60 * Normal(), 0, 730);
            values[row + 1] = orders;
            values[row + 2] = (float)(orders * aov);
            values[row + 3] = (float)Math.Clamp(200 + 60 * group + 80 * Normal(), 1, 730);
            values[row + 4] = (float)aov;
            values[row + 5] = (float)Math.Max(0, Math.Round(group * 1.5 + 2 * Normal()));
            values[row + 6] = (float)Math.Clamp((group % 2 == 0 ? 0.6 : 0.1) + 0.1 * Normal(), 0, 1);
            values[row + 7] = (float)Math.Clamp((group % 3 == 0 ? 0.5 : 0.15) + 0.1 * Normal(), 0, 1);
        }

        return new FeatureMatrix(Features, values, Enumerable.Range(1, n).Select(i => (long)i).ToArray());
    }
}

public sealed record KMeansRow(int Customers, int Starts, double Seconds, double Inertia, int SmallestCluster, int LargestCluster);

public sealed record KMeansBenchmarkResult(IReadOnlyList<KMeansRow> Rows)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## kmeans — k-means on customer features, k = 8");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("`KMeansClusterer.Fit` as the clustering job calls it: log1p for money and counts, z-score standardization, the studio's k-means " +
            "(greedy k-means++, Lloyd iterations on every core, the same result on any number of cores), inertia in standardized space. 8 features (recency, orders, spend, tenure, average order value, " +
            "engagement, two category shares) generated with 8 latent buyer groups. The studio's default is the best of 3 starts.");
        s.AppendLine();
        s.AppendLine("| customers | starts | seconds | final inertia | smallest cluster | largest cluster |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Rows)
        {
            s.AppendLine(inv, $"| {r.Customers:N0} | {r.Starts} | **{r.Seconds:F2}** | {r.Inertia:N0} | {r.SmallestCluster:N0} | {r.LargestCluster:N0} |");
        }

        s.AppendLine();
        s.AppendLine("The whole clustering job's computation (preprocessing, k-means, profiles, names); k-means alone against scikit-learn is in `compare-kmeans`.");
        return s.ToString();
    }
}
