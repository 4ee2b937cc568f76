using System.Numerics;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// k-means over standardized rows: greedy k-means++ seeding and Lloyd iterations, on every core, with the same result
/// whatever the number of cores.
/// </summary>
/// <remarks>
/// ML.NET's k-means is reproducible only on one thread (its parallel cursors are documented as not deterministic), which
/// made a 1M-customer run 4–6× slower than scikit-learn on the same 2 cores (issue 17). Here rows are cut into fixed
/// chunks; each chunk is summed on its own and the chunks are added up in order, so the floating-point result does not
/// depend on which thread took which chunk. Distances are computed for a whole block of centres at once
/// (<see cref="Vector{T}"/> lanes = centres), which keeps the inner loop free of horizontal sums.
/// </remarks>
public static class LloydKMeans
{
    /// <summary>Rows per unit of work: large enough to amortize scheduling, small enough to balance two cores.</summary>
    private const int ChunkRows = 8192;

    /// <summary>Stand-in coordinate for the padding lanes of the last centre block: far from any standardized row.</summary>
    private const float FarAway = 1e15f;

    /// <summary>One fitted start.</summary>
    /// <param name="Centroids">k × d, row-major, in the order the start produced them.</param>
    /// <param name="Labels">Nearest centre per row.</param>
    /// <param name="Inertia">Sum of squared distances of the rows to their centres.</param>
    /// <param name="Iterations">Lloyd iterations run.</param>
    public sealed record Fit(float[] Centroids, int[] Labels, double Inertia, int Iterations);

    /// <summary>Runs <paramref name="restarts"/> starts from one seeded stream and keeps the lowest inertia (earlier on a tie).</summary>
    /// <param name="rows">Standardized rows.</param>
    /// <param name="k">Number of clusters.</param>
    /// <param name="maxIterations">Upper bound on Lloyd iterations per start.</param>
    /// <param name="tolerance">Stop when the centres' total squared move is at most this times the rows' mean feature variance.</param>
    /// <param name="restarts">k-means++ starts.</param>
    /// <param name="seed">Same rows and seed, same clusters.</param>
    /// <param name="startFinished">Called with the start's index as each start ends.</param>
    /// <param name="maxDegreeOfParallelism">Cores to use; -1 for all. The result does not depend on it.</param>
    /// <param name="cancellationToken">Checked between iterations.</param>
    public static Fit TrainBest(
        FeatureMatrix rows, int k, int maxIterations, double tolerance, int restarts, int seed,
        Action<int>? startFinished = null, int maxDegreeOfParallelism = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(restarts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (rows.RowCount < k)
        {
            throw new ArgumentException($"{k} clusters need at least {k} rows.", nameof(rows));
        }

        var data = new Rows(rows.RawValues, rows.RowCount, rows.ColumnCount, maxDegreeOfParallelism);
        var threshold = tolerance * MeanVariance(data);
        var seeds = new Random(seed);
        Fit? best = null;
        for (var start = 0; start < restarts; start++)
        {
            var startSeed = seeds.Next();
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = Lloyd(data, Seed(data, k, new Random(startSeed), cancellationToken), k, maxIterations, threshold, cancellationToken);
            if (best is null || candidate.Inertia < best.Inertia)
            {
                best = candidate;
            }

            startFinished?.Invoke(start);
        }

        return best!;
    }

    /// <summary>Nearest centre per row (lowest index on a tie), exactly as training assigns them.</summary>
    public static int[] Assign(FeatureMatrix rows, IReadOnlyList<float> centroids)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(centroids);
        var d = rows.ColumnCount;
        if (d == 0 || centroids.Count == 0 || centroids.Count % d != 0)
        {
            throw new ArgumentException($"Centroids must be k × {d} values.", nameof(centroids));
        }

        var data = new Rows(rows.RawValues, rows.RowCount, d, -1);
        var centres = new Centres(centroids.ToArray(), d);
        var labels = new int[data.N];
        var distances = new float[data.N];
        Parallel.For(0, data.Chunks, data.Options, chunk =>
        {
            var (lo, hi) = data.Range(chunk);
            for (var i = lo; i < hi; i++)
            {
                (labels[i], distances[i]) = centres.Nearest(data.Row(i));
            }
        });
        return labels;
    }

    private static Fit Lloyd(Rows data, float[] initial, int k, int maxIterations, double threshold, CancellationToken cancellationToken)
    {
        var d = data.D;
        var centroids = initial;
        var labels = new int[data.N];
        Array.Fill(labels, -1);
        var distances = new float[data.N];
        var iterations = 0;
        while (iterations < maxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iterations++;
            var step = Step(data, new Centres(centroids, d), k, labels, distances);
            var next = new float[k * d];
            var empty = new List<int>();
            for (var c = 0; c < k; c++)
            {
                if (step.Counts[c] == 0)
                {
                    empty.Add(c);
                    continue;
                }

                for (var f = 0; f < d; f++)
                {
                    next[(c * d) + f] = (float)(step.Sums[(c * d) + f] / step.Counts[c]);
                }
            }

            // An emptied centre restarts at the rows farthest from their centres, as scikit-learn does: the worst-served rows.
            foreach (var (c, row) in empty.Zip(Farthest(distances, empty.Count)))
            {
                data.Row(row).CopyTo(next.AsSpan(c * d, d));
            }

            if (step.Changed == 0 && empty.Count == 0)
            {
                // No row changed centre: the centres already are the means of their rows, and the last pass belongs to them.
                return new Fit(centroids, labels, step.Inertia, iterations);
            }

            double shift = 0;
            for (var j = 0; j < next.Length; j++)
            {
                var move = (double)next[j] - centroids[j];
                shift += move * move;
            }

            centroids = next;
            if (shift <= threshold)
            {
                break;
            }
        }

        // Labels and inertia always belong to the returned centres: one more assignment pass for the moved ones.
        var inertia = Step(data, new Centres(centroids, d), k, labels, distances).Inertia;
        return new Fit(centroids, labels, inertia, iterations);
    }

    /// <summary>One assignment pass: labels and distances in place; per-centre sums, counts and inertia added up chunk by chunk in order.</summary>
    private static StepResult Step(Rows data, Centres centres, int k, int[] labels, float[] distances)
    {
        var d = data.D;
        var partial = new StepResult[data.Chunks];
        Parallel.For(0, data.Chunks, data.Options, chunk =>
        {
            var result = new StepResult(new double[k * d], new long[k], 0, 0);
            var (lo, hi) = data.Range(chunk);
            var inertia = 0.0;
            var changed = 0L;
            for (var i = lo; i < hi; i++)
            {
                var row = data.Row(i);
                var (label, distance) = centres.Nearest(row);
                if (labels[i] != label)
                {
                    changed++;
                    labels[i] = label;
                }

                distances[i] = distance;
                inertia += distance;
                result.Counts[label]++;
                var sums = result.Sums.AsSpan(label * d, d);
                for (var f = 0; f < d; f++)
                {
                    sums[f] += row[f];
                }
            }

            partial[chunk] = result with { Inertia = inertia, Changed = changed };
        });

        var total = new StepResult(new double[k * d], new long[k], 0, 0);
        var totalInertia = 0.0;
        var totalChanged = 0L;
        foreach (var p in partial)
        {
            for (var j = 0; j < total.Sums.Length; j++)
            {
                total.Sums[j] += p.Sums[j];
            }

            for (var c = 0; c < k; c++)
            {
                total.Counts[c] += p.Counts[c];
            }

            totalInertia += p.Inertia;
            totalChanged += p.Changed;
        }

        return total with { Inertia = totalInertia, Changed = totalChanged };
    }

    /// <summary>
    /// Greedy k-means++ (Arthur &amp; Vassilvitskii; scikit-learn's variant): each next centre is the best of 2 + ln k candidates
    /// drawn with probability proportional to the squared distance to the nearest centre so far.
    /// </summary>
    private static float[] Seed(Rows data, int k, Random random, CancellationToken cancellationToken)
    {
        var d = data.D;
        var centroids = new float[k * d];
        var first = random.Next(data.N);
        data.Row(first).CopyTo(centroids.AsSpan(0, d));
        var closest = new double[data.N];
        var chunkSums = new double[data.Chunks];
        Parallel.For(0, data.Chunks, data.Options, chunk =>
        {
            var (lo, hi) = data.Range(chunk);
            var sum = 0.0;
            for (var i = lo; i < hi; i++)
            {
                closest[i] = SquaredDistance(data.Row(i), centroids.AsSpan(0, d));
                sum += closest[i];
            }

            chunkSums[chunk] = sum;
        });

        var trials = 2 + (int)Math.Log(k);
        var candidates = new int[trials];
        var potentials = new double[data.Chunks * trials];
        for (var c = 1; c < k; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var potential = chunkSums.Sum();
            for (var t = 0; t < trials; t++)
            {
                candidates[t] = Draw(closest, chunkSums, random.NextDouble() * potential, data);
            }

            // Each candidate's potential: the total squared distance if it became the next centre.
            Parallel.For(0, data.Chunks, data.Options, chunk =>
            {
                var (lo, hi) = data.Range(chunk);
                for (var t = 0; t < trials; t++)
                {
                    var candidate = data.Row(candidates[t]);
                    var sum = 0.0;
                    for (var i = lo; i < hi; i++)
                    {
                        sum += Math.Min(closest[i], SquaredDistance(data.Row(i), candidate));
                    }

                    potentials[(chunk * trials) + t] = sum;
                }
            });

            var best = 0;
            var bestPotential = double.PositiveInfinity;
            for (var t = 0; t < trials; t++)
            {
                var total = 0.0;
                for (var chunk = 0; chunk < data.Chunks; chunk++)
                {
                    total += potentials[(chunk * trials) + t];
                }

                if (total < bestPotential)
                {
                    (best, bestPotential) = (t, total);
                }
            }

            var chosen = centroids.AsSpan(c * d, d);
            data.Row(candidates[best]).CopyTo(chosen);
            var centre = centroids.AsMemory(c * d, d);
            Parallel.For(0, data.Chunks, data.Options, chunk =>
            {
                var (lo, hi) = data.Range(chunk);
                var sum = 0.0;
                for (var i = lo; i < hi; i++)
                {
                    closest[i] = Math.Min(closest[i], SquaredDistance(data.Row(i), centre.Span));
                    sum += closest[i];
                }

                chunkSums[chunk] = sum;
            });
        }

        return centroids;
    }

    /// <summary>The row where the running total of <paramref name="weights"/> passes <paramref name="target"/>.</summary>
    private static int Draw(double[] weights, double[] chunkSums, double target, Rows data)
    {
        var chunk = 0;
        while (chunk < chunkSums.Length - 1 && target >= chunkSums[chunk])
        {
            target -= chunkSums[chunk];
            chunk++;
        }

        var (lo, hi) = data.Range(chunk);
        var last = lo;
        for (var i = lo; i < hi; i++)
        {
            if (weights[i] > 0)
            {
                last = i;
                if (target < weights[i])
                {
                    return i;
                }

                target -= weights[i];
            }
        }

        // Rounding left a sliver past the last positive weight.
        return last;
    }

    private static IEnumerable<int> Farthest(float[] distances, int count) =>
        count == 0 ? [] : Enumerable.Range(0, distances.Length).OrderByDescending(i => distances[i]).ThenBy(i => i).Take(count);

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var f = 0; f < a.Length; f++)
        {
            var diff = a[f] - b[f];
            sum += diff * diff;
        }

        return sum;
    }

    private static double MeanVariance(Rows data)
    {
        var d = data.D;
        var mean = new double[d];
        var square = new double[d];
        for (var i = 0; i < data.N; i++)
        {
            var row = data.Row(i);
            for (var f = 0; f < d; f++)
            {
                mean[f] += row[f];
                square[f] += (double)row[f] * row[f];
            }
        }

        var total = 0.0;
        for (var f = 0; f < d; f++)
        {
            var m = mean[f] / data.N;
            total += Math.Max(0, (square[f] / data.N) - (m * m));
        }

        return total / d;
    }

    private sealed record StepResult(double[] Sums, long[] Counts, double Inertia, long Changed);

    private sealed class Rows(float[] values, int n, int d, int maxDegreeOfParallelism)
    {
        public int N { get; } = n;

        public int D { get; } = d;

        public int Chunks { get; } = (n + ChunkRows - 1) / ChunkRows;

        public ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = maxDegreeOfParallelism };

        public ReadOnlySpan<float> Row(int i) => values.AsSpan(i * D, D);

        public (int Lo, int Hi) Range(int chunk) => (chunk * ChunkRows, Math.Min(N, (chunk + 1) * ChunkRows));
    }

    /// <summary>Centres laid out feature-major in blocks of <see cref="Vector{T}.Count"/>, so one vector holds one feature of a block of centres.</summary>
    private sealed class Centres
    {
        private readonly float[] _byFeature;
        private readonly int _k;
        private readonly int _d;
        private readonly int _blocks;

        public Centres(float[] centroids, int d)
        {
            _d = d;
            _k = centroids.Length / d;
            var width = Vector<float>.Count;
            _blocks = (_k + width - 1) / width;
            _byFeature = new float[_blocks * d * width];
            Array.Fill(_byFeature, FarAway);
            for (var c = 0; c < _k; c++)
            {
                var (block, lane) = (c / width, c % width);
                for (var f = 0; f < d; f++)
                {
                    _byFeature[(((block * d) + f) * width) + lane] = centroids[(c * d) + f];
                }
            }
        }

        public (int Label, float Distance) Nearest(ReadOnlySpan<float> row)
        {
            var width = Vector<float>.Count;
            var best = -1;
            var bestDistance = float.PositiveInfinity;
            var centres = _byFeature.AsSpan();
            for (var block = 0; block < _blocks; block++)
            {
                var sum = Vector<float>.Zero;
                for (var f = 0; f < _d; f++)
                {
                    var diff = new Vector<float>(row[f]) - new Vector<float>(centres.Slice(((block * _d) + f) * width, width));
                    sum += diff * diff;
                }

                var lanes = Math.Min(width, _k - (block * width));
                for (var lane = 0; lane < lanes; lane++)
                {
                    if (sum[lane] < bestDistance)
                    {
                        (best, bestDistance) = ((block * width) + lane, sum[lane]);
                    }
                }
            }

            // A row with a missing value (NaN everywhere) still gets a centre rather than an index out of range.
            return (Math.Max(best, 0), bestDistance);
        }
    }
}
