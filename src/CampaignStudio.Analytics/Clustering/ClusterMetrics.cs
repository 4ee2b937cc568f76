namespace CampaignStudio.Analytics.Clustering;

/// <summary>Quality measures for clusterings.</summary>
public static class ClusterMetrics
{
    /// <summary>
    /// Adjusted Rand index of two labelings of the same items (Hubert &amp; Arabie 1985), computed exactly
    /// from the contingency table: 1 = identical partitions (up to renaming), about 0 = chance agreement.
    /// Matches scikit-learn's <c>adjusted_rand_score</c>, including 1.0 for the degenerate cases
    /// (both labelings one cluster, or both all singletons).
    /// </summary>
    public static double AdjustedRandIndex(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException("Both labelings must cover the same items.", nameof(b));
        }

        var n = a.Count;
        var cells = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var cols = new Dictionary<int, long>();
        for (var i = 0; i < n; i++)
        {
            cells[(a[i], b[i])] = cells.GetValueOrDefault((a[i], b[i])) + 1;
            rows[a[i]] = rows.GetValueOrDefault(a[i]) + 1;
            cols[b[i]] = cols.GetValueOrDefault(b[i]) + 1;
        }

        var index = cells.Values.Sum(Pairs);
        var sumA = rows.Values.Sum(Pairs);
        var sumB = cols.Values.Sum(Pairs);
        var expected = n < 2 ? 0 : sumA * sumB / Pairs(n);
        var max = (sumA + sumB) / 2;
        return max == expected ? 1.0 : (index - expected) / (max - expected);
    }

    /// <summary>
    /// Mean silhouette coefficient (Euclidean), exact: for each point, b − a over max(a, b), with a the mean
    /// distance to its own cluster and b the smallest mean distance to another cluster. Points alone in
    /// their cluster score 0 (as scikit-learn). O(n²·d): meant for samples of a few thousand rows.
    /// </summary>
    /// <returns>Between −1 and 1; 0 when fewer than two clusters are non-empty.</returns>
    public static double MeanSilhouette(FeatureMatrix data, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != data.RowCount)
        {
            throw new ArgumentException("One label per row is needed.", nameof(labels));
        }

        var n = data.RowCount;
        var k = n == 0 ? 0 : labels.Max() + 1;
        var sizes = new int[k];
        foreach (var l in labels)
        {
            sizes[l]++;
        }

        if (sizes.Count(s => s > 0) < 2)
        {
            return 0;
        }

        var values = data.RawValues;
        var d = data.ColumnCount;
        var label = labels.ToArray(); // the inner loop runs n² times: no interface calls in it
        var scores = new double[n];
        Parallel.For(0, n, () => new double[k], (i, _, sums) =>
        {
            Array.Clear(sums);
            var xi = values.AsSpan(i * d, d);
            for (var j = 0; j < n; j++)
            {
                var xj = values.AsSpan(j * d, d);
                float squared = 0;
                for (var f = 0; f < d; f++)
                {
                    var diff = xi[f] - xj[f];
                    squared += diff * diff;
                }

                sums[label[j]] += MathF.Sqrt(squared);
            }

            var own = label[i];
            if (sizes[own] > 1)
            {
                var a = sums[own] / (sizes[own] - 1);
                var b = double.PositiveInfinity;
                for (var c = 0; c < k; c++)
                {
                    if (c != own && sizes[c] > 0)
                    {
                        b = Math.Min(b, sums[c] / sizes[c]);
                    }
                }

                var denominator = Math.Max(a, b);
                scores[i] = denominator > 0 ? (b - a) / denominator : 0;
            }

            return sums;
        }, _ => { });

        // Summed in row order after the parallel loop, so the result does not depend on scheduling.
        return scores.Sum() / n;
    }

    /// <summary>Sum of squared Euclidean distances from each row to its cluster's centre.</summary>
    /// <param name="data">Rows in the same space as the centroids (standardized).</param>
    /// <param name="labels">Cluster index per row.</param>
    /// <param name="centroids">Row-major centroids, clusters × features.</param>
    public static double Inertia(FeatureMatrix data, IReadOnlyList<int> labels, float[] centroids)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(centroids);
        var d = data.ColumnCount;
        double total = 0;
        for (var i = 0; i < data.RowCount; i++)
        {
            var row = data.Row(i);
            var offset = labels[i] * d;
            double squared = 0;
            for (var f = 0; f < d; f++)
            {
                var diff = (double)row[f] - centroids[offset + f];
                squared += diff * diff;
            }

            total += squared;
        }

        return total;
    }

    private static double Pairs(long count) => count * (count - 1) / 2.0;
}
