namespace CampaignStudio.Analytics.Clustering;

/// <summary>One feature of one cluster, in the feature's original units (orders, days, euros).</summary>
/// <param name="Key">Feature key.</param>
/// <param name="Mean">Mean of the raw values.</param>
/// <param name="Median">Median of the raw values.</param>
/// <param name="P25">25th percentile (linear interpolation, as numpy's default).</param>
/// <param name="P75">75th percentile.</param>
/// <param name="Centroid">
/// The cluster centre in standardized units (z-score after any log transform): how far above (+) or below
/// (−) the whole population the cluster sits, comparable across features. The height of a profile bar.
/// </param>
public sealed record FeatureSummary(string Key, double Mean, double Median, double P25, double P75, double Centroid);

/// <summary>Who is in a cluster, feature by feature.</summary>
/// <param name="Cluster">Cluster index (0 = largest); −1 for the whole population.</param>
/// <param name="Size">Customers in the cluster.</param>
/// <param name="Share">Fraction of all clustered customers.</param>
/// <param name="Features">One summary per feature, in model column order. NaN statistics for an empty cluster.</param>
public sealed record ClusterProfile(int Cluster, int Size, double Share, IReadOnlyList<FeatureSummary> Features)
{
    /// <summary>The summary of a feature, or null if the run did not use it.</summary>
    public FeatureSummary? Feature(string key) => Features.FirstOrDefault(f => f.Key == key);
}

/// <summary>The outcome of a clustering run.</summary>
/// <param name="FeatureKeys">Features used, in model column order.</param>
/// <param name="K">Number of clusters.</param>
/// <param name="CustomerIds">Customer id per row (the input's).</param>
/// <param name="Assignments">Cluster index per row; clusters are numbered by size, 0 = largest.</param>
/// <param name="Sizes">Customers per cluster.</param>
/// <param name="Centroids">Cluster centres in standardized space, K rows × feature count.</param>
/// <param name="Inertia">Sum of squared distances of every customer to its centre, in standardized space.</param>
/// <param name="Profiles">Per-cluster profiles in original units.</param>
/// <param name="Population">The same profile over all customers, for comparison.</param>
/// <param name="Names">Generated readable name per cluster, unique within the run.</param>
/// <param name="Model">Everything needed to score new customers into these clusters; storable.</param>
public sealed record ClusteringResult(
    IReadOnlyList<string> FeatureKeys,
    int K,
    IReadOnlyList<long> CustomerIds,
    int[] Assignments,
    IReadOnlyList<int> Sizes,
    IReadOnlyList<IReadOnlyList<double>> Centroids,
    double Inertia,
    IReadOnlyList<ClusterProfile> Profiles,
    ClusterProfile Population,
    IReadOnlyList<string> Names,
    ClusteringModel Model);
