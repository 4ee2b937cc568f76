namespace CampaignStudio.Analytics.Clustering;

/// <summary>Settings for "suggest k".</summary>
public sealed record KSuggestionOptions
{
    /// <summary>Smallest k tried.</summary>
    public int MinK { get; init; } = 2;

    /// <summary>Largest k tried.</summary>
    public int MaxK { get; init; } = 10;

    /// <summary>Customers sampled; the exact silhouette is O(n²), 5,000 keeps each k well under a second.</summary>
    public int SampleSize { get; init; } = 5_000;

    /// <summary>Seed of the sample and of every k-means fit.</summary>
    public int Seed { get; init; }

    /// <summary>Upper bound on Lloyd iterations per fit.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>k-means++ starts per k, best kept; see <see cref="ClusteringOptions.Restarts"/>.</summary>
    public int Restarts { get; init; } = 3;

    /// <summary>Transform per feature, as in <see cref="ClusteringOptions.Transforms"/>.</summary>
    public IReadOnlyList<FeatureTransform>? Transforms { get; init; }

    /// <summary>Receives 0–1 after each k.</summary>
    public IProgress<double>? Progress { get; init; }
}

/// <summary>The elbow and silhouette series behind "suggest k".</summary>
/// <param name="Ks">The k values tried, ascending.</param>
/// <param name="Inertias">Within-cluster sum of squares on the sample per k (the elbow chart).</param>
/// <param name="Silhouettes">Mean silhouette on the sample per k.</param>
/// <param name="SuggestedK">The k with the highest mean silhouette (the smaller k on a tie).</param>
/// <param name="SampleSize">Customers the series were computed on.</param>
public sealed record KSuggestion(
    IReadOnlyList<int> Ks,
    IReadOnlyList<double> Inertias,
    IReadOnlyList<double> Silhouettes,
    int SuggestedK,
    int SampleSize);

/// <summary>
/// Tries a range of k on a seeded sample and suggests the one with the best mean silhouette.
/// </summary>
/// <remarks>
/// Inertia always falls as k grows, so it cannot pick k by itself; the elbow series is returned for the
/// chart. The silhouette rewards tight, well-separated clusters and peaks at a natural k, which makes
/// "highest silhouette" an automatic choice the marketer can overrule by looking at the elbow.
/// Features are standardized with parameters fitted on all customers, as in the real run.
/// </remarks>
public static class KSuggester
{
    /// <summary>Fits k-means for each k on a sample and scores it.</summary>
    public static KSuggestion Suggest(FeatureMatrix data, KSuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new KSuggestionOptions();
        if (options.MinK < 2 || options.MaxK < options.MinK || options.SampleSize < 2 || options.Restarts < 1 || options.MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Need 2 ≤ MinK ≤ MaxK, a sample of at least two, and positive restarts and iterations.");
        }

        var preprocessor = Preprocessor.Fit(data, options.Transforms);
        var sample = preprocessor.Transform(data.SelectRows(Sampling.Rows(data.RowCount, options.SampleSize, options.Seed)));
        var maxK = Math.Min(options.MaxK, sample.RowCount);
        if (maxK < options.MinK)
        {
            throw new ArgumentException($"At least {options.MinK} customers are needed.", nameof(data));
        }

        var ks = Enumerable.Range(options.MinK, maxK - options.MinK + 1).ToArray();
        var inertias = new double[ks.Length];
        var silhouettes = new double[ks.Length];
        for (var i = 0; i < ks.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Each fit is the one a real run with this k and seed would start from.
            var fit = LloydKMeans.TrainBest(
                sample, ks[i], options.MaxIterations, new ClusteringOptions().Tolerance, options.Restarts, options.Seed, cancellationToken: cancellationToken);
            var labels = fit.Labels;
            inertias[i] = fit.Inertia;
            silhouettes[i] = ClusterMetrics.MeanSilhouette(sample, labels);
            options.Progress?.Report((i + 1.0) / ks.Length);
        }

        var best = 0;
        for (var i = 1; i < ks.Length; i++)
        {
            if (silhouettes[i] > silhouettes[best])
            {
                best = i;
            }
        }

        return new KSuggestion(ks, inertias, silhouettes, ks[best], sample.RowCount);
    }
}
