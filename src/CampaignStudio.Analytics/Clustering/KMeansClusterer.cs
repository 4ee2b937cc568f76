namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// "Find micro-segments": log-transform and standardize the chosen features, run k-means (<see cref="LloydKMeans"/>), then
/// describe every cluster in the marketer's units and give it a readable name.
/// </summary>
/// <remarks>
/// Runs synchronously and can take seconds on a million customers: call it from a background job,
/// never from a user's circuit. The same data and seed give the same clusters, on any number of cores.
/// </remarks>
public static class KMeansClusterer
{
    /// <summary>Clusters the customers.</summary>
    /// <param name="data">Raw features, one row per customer.</param>
    /// <param name="options">k, seed and iteration limits; defaults if null.</param>
    /// <param name="cancellationToken">Stops the run between stages and between k-means iterations.</param>
    public static ClusteringResult Fit(FeatureMatrix data, ClusteringOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ClusteringOptions();
        Validate(data, options);
        var progress = options.Progress;
        progress?.Report(0);

        var preprocessor = Preprocessor.Fit(data, options.Transforms);
        var standardized = preprocessor.Transform(data);
        progress?.Report(0.05);
        cancellationToken.ThrowIfCancellationRequested();

        var fit = LloydKMeans.TrainBest(
            standardized, options.K, options.MaxIterations, options.Tolerance, options.Restarts, options.Seed,
            start => progress?.Report(0.1 + (0.65 * (start + 1) / options.Restarts)), cancellationToken: cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        // k-means numbers clusters arbitrarily; number them by size so "cluster 0" is the biggest group.
        var k = options.K;
        var d = standardized.ColumnCount;
        var fitSizes = new int[k];
        foreach (var label in fit.Labels)
        {
            fitSizes[label]++;
        }

        var byRank = Enumerable.Range(0, k).OrderByDescending(c => fitSizes[c]).ThenBy(c => c).ToArray();
        var rankOf = new int[k];
        for (var rank = 0; rank < k; rank++)
        {
            rankOf[byRank[rank]] = rank;
        }

        var assignments = Array.ConvertAll(fit.Labels, l => rankOf[l]);
        var sizes = byRank.Select(c => fitSizes[c]).ToArray();
        var centroids = new float[k * d];
        for (var rank = 0; rank < k; rank++)
        {
            fit.Centroids.AsSpan(byRank[rank] * d, d).CopyTo(centroids.AsSpan(rank * d, d));
        }

        var inertia = fit.Inertia;
        progress?.Report(0.8);

        var clusteringModel = new ClusteringModel(preprocessor.Parameters, centroids);

        // Profiles sort every feature within every cluster: about a fifth of the run at 1M customers.
        progress?.Report(0.82);
        cancellationToken.ThrowIfCancellationRequested();

        var (profiles, population) = ClusterProfiler.Profile(data.SelectColumns(preprocessor.Parameters.FeatureKeys), assignments, k, centroids);
        var names = ClusterNamer.Name(profiles, population);
        progress?.Report(1);

        return new ClusteringResult(
            preprocessor.Parameters.FeatureKeys,
            k,
            data.CustomerIds,
            assignments,
            sizes,
            Enumerable.Range(0, k).Select(c => (IReadOnlyList<double>)Array.ConvertAll(centroids[(c * d)..((c + 1) * d)], v => (double)v)).ToArray(),
            inertia,
            profiles,
            population,
            names,
            clusteringModel);
    }

    private static void Validate(FeatureMatrix data, ClusteringOptions options)
    {
        if (options.K < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.K, "At least two clusters are needed.");
        }

        if (data.RowCount < options.K)
        {
            throw new ArgumentException($"{options.K} clusters need at least {options.K} customers.", nameof(data));
        }

        if (options.MaxIterations < 1 || options.Restarts < 1 || !(options.Tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Iterations, restarts and tolerance must be positive.");
        }
    }
}
