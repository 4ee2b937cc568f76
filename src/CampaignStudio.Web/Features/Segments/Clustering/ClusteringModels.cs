namespace CampaignStudio.Web.Features.Segments.Clustering;

/// <summary>What the marketer asked for: features, scope and k (null k = suggest one).</summary>
public sealed record ClusteringRequest(string Name, IReadOnlyList<string> FeatureKeys, int? ScopeSegmentId, int K, bool IncludeNonBuyers = false);

/// <summary>A finished run as the results page shows it; stored as JSON on the run.</summary>
public sealed record ClusterRunResult(
    IReadOnlyList<string> FeatureKeys,
    IReadOnlyList<string> FeatureLabels,
    IReadOnlyList<ClusterCard> Clusters,
    IReadOnlyList<ClusterPoint> Points,
    double Inertia,
    double ExplainedX,
    double ExplainedY,
    int Customers);

public sealed record ClusterCard(int Index, string Name, int Size, double Share, string Profile, IReadOnlyList<ClusterFeature> Features, int? SavedSegmentId = null);

/// <summary>A feature of a cluster: median in original units and the centroid in standard deviations from everyone.</summary>
public sealed record ClusterFeature(string Key, string Label, double Median, double ZScore);

public sealed record ClusterPoint(double X, double Y, int Cluster);

public sealed record ClusteringRunListItem(int Id, string Name, int K, string Status, double Progress, DateTime CreatedAt, string CreatedBy, string? Error);
