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
    /// k-means runs from different k-means++ starts; the one with the lowest inertia is kept. ML.NET's
    /// k-means++ draws one candidate per centre, so a single start lands in a poor local optimum (two
    /// centres in one group, two groups under one centre) noticeably often; each start costs one training.
    /// </summary>
    public int Restarts { get; init; } = 3;

    /// <summary>
    /// Stop when the mean squared distance (standardized units) improves by less than this between
    /// iterations. ML.NET's default.
    /// </summary>
    public float Tolerance { get; init; } = 1e-7f;

    /// <summary>
    /// Transform per feature, in the matrix's column order; by default each key's catalogue transform.
    /// </summary>
    public IReadOnlyList<FeatureTransform>? Transforms { get; init; }

    /// <summary>
    /// Receives 0–1 as the run passes its stages. ML.NET does not report progress inside training, so
    /// the bar moves in steps (preparing, training, assigning, profiling).
    /// </summary>
    public IProgress<double>? Progress { get; init; }
}
