namespace CampaignStudio.Analytics.Clustering;

/// <summary>Per-cluster medians, means and quartiles in original units.</summary>
internal static class ClusterProfiler
{
    public static (ClusterProfile[] Clusters, ClusterProfile Population) Profile(
        FeatureMatrix raw, int[] assignments, int k, float[] centroids)
    {
        var n = raw.RowCount;
        var d = raw.ColumnCount;

        // Rows grouped by cluster (counting sort), so each cluster's values are gathered in one pass.
        var offsets = new int[k + 1];
        foreach (var c in assignments)
        {
            offsets[c + 1]++;
        }

        for (var c = 0; c < k; c++)
        {
            offsets[c + 1] += offsets[c];
        }

        var order = new int[n];
        var next = offsets[..k];
        for (var i = 0; i < n; i++)
        {
            order[next[assignments[i]]++] = i;
        }

        var clusterStats = new FeatureSummary[k][];
        for (var c = 0; c < k; c++)
        {
            clusterStats[c] = new FeatureSummary[d];
        }

        var populationStats = new FeatureSummary[d];
        Parallel.For(0, d, j =>
        {
            var buffer = new float[n];
            for (var c = 0; c < k; c++)
            {
                var count = 0;
                for (var r = offsets[c]; r < offsets[c + 1]; r++)
                {
                    var x = raw[order[r], j];
                    if (!float.IsNaN(x))
                    {
                        buffer[count++] = x;
                    }
                }

                clusterStats[c][j] = Summarize(raw.FeatureKeys[j], buffer.AsSpan(0, count), centroids[(c * d) + j]);
            }

            var all = 0;
            for (var i = 0; i < n; i++)
            {
                var x = raw[i, j];
                if (!float.IsNaN(x))
                {
                    buffer[all++] = x;
                }
            }

            populationStats[j] = Summarize(raw.FeatureKeys[j], buffer.AsSpan(0, all), 0);
        });

        var clusters = Enumerable.Range(0, k)
            .Select(c => new ClusterProfile(c, offsets[c + 1] - offsets[c], n == 0 ? 0 : (double)(offsets[c + 1] - offsets[c]) / n, clusterStats[c]))
            .ToArray();
        return (clusters, new ClusterProfile(-1, n, 1, populationStats));
    }

    private static FeatureSummary Summarize(string key, Span<float> values, double centroid)
    {
        if (values.Length == 0)
        {
            return new FeatureSummary(key, double.NaN, double.NaN, double.NaN, double.NaN, centroid);
        }

        values.Sort();
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return new FeatureSummary(key, sum / values.Length, Quantile(values, 0.5), Quantile(values, 0.25), Quantile(values, 0.75), centroid);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default, Hyndman–Fan type 7).</summary>
    internal static double Quantile(ReadOnlySpan<float> sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * ((double)sorted[hi] - sorted[lo]));
    }
}
