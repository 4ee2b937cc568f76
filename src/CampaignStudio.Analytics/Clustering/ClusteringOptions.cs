namespace CampaignStudio.Analytics.Clustering;

/// <summary>Settings for one "Find micro-segments" run.</summary>
public sealed record ClusteringOptions
{
    /// <summary>Number of clusters.</summary>
    public int K { get; init; } = 5;

    /// <summary>Seed of the k-means++ initialization: same data and seed give the same clusters.</summary>
    public int Seed { get; init; }

    /// <summary>Upper bound on Lloyd iterations; well-separated data converges in tens.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>
    /// k-means runs from different k-means++ starts; the one with the lowest inertia is kept. Even greedy
    /// k-means++ lands in a poor local optimum (two centres in one group, two groups under one centre) now and
    /// then; each start costs one training.
    /// </summary>
    public int Restarts { get; init; } = 3;

    /// <summary>
    /// Stop when the centres' total squared move in one iteration is at most this times the features' mean
    /// variance (or when no customer changes cluster). scikit-learn's rule and default.
    /// </summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>
    /// Transform per feature, in the matrix's column order; by default each key's catalogue transform.
    /// </summary>
    public IReadOnlyList<FeatureTransform>? Transforms { get; init; }

    /// <summary>
    /// Receives 0–1 as the run passes its stages (preparing, each start, profiling).
    /// </summary>
    public IProgress<double>? Progress { get; init; }
}
