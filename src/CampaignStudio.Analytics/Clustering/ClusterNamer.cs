using static CampaignStudio.Analytics.Clustering.CustomerFeatures;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// Readable names for clusters ("Lapsed one-time buyers", "Loyal regulars"), from how each cluster's
/// centre sits against the whole population. The marketer can rename them; these are a starting point.
/// </summary>
/// <remarks>
/// "High" and "low" are read from the standardized centroid (z-score after any log transform), so they
/// mean "compared with the customers clustered in this run"; "one-time" is read from the median number of
/// orders in original units. Rules are tried in order and the first match wins: lapsed one-time buyers,
/// new customers, category fans, big spenders (spend well above what the order count explains), loyal
/// regulars, big spenders (any), engaged browsers. If none match, the name comes from the feature that
/// sets the cluster apart most, or "Typical customers". Features a run did not use never match.
/// </remarks>
public static class ClusterNamer
{
    /// <summary>Centre this many standard deviations above or below the population counts as high or low.</summary>
    public const double Strong = 0.75;

    /// <summary>A weaker threshold for the second condition of a two-feature rule.</summary>
    public const double Mild = 0.5;

    /// <summary>Name for clusters that sit near the population centre on every feature.</summary>
    public const string Typical = "Typical customers";

    /// <summary>Names every cluster; duplicates get " (2)", " (3)", … in cluster order.</summary>
    public static IReadOnlyList<string> Name(IReadOnlyList<ClusterProfile> clusters, ClusterProfile population)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(population);
        var names = new string[clusters.Count];
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var c = 0; c < clusters.Count; c++)
        {
            var baseName = NameOne(clusters[c], population);
            var name = baseName;
            for (var copy = 2; !used.Add(name); copy++)
            {
                name = $"{baseName} ({copy})";
            }

            names[c] = name;
        }

        return names;
    }

    /// <summary>The name one cluster would get, before de-duplication.</summary>
    public static string NameOne(ClusterProfile cluster, ClusterProfile population)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(population);
        if (cluster.Size == 0)
        {
            return "Empty group";
        }

        var recency = Z(cluster, RecencyDays);
        var frequency = Z(cluster, Frequency);
        var monetary = Z(cluster, Monetary);
        var tenure = Z(cluster, TenureDays);
        var engagement = Z(cluster, Engagement);
        var oneTime = cluster.Feature(Frequency)?.Median <= 1;

        if (oneTime && recency >= Mild)
        {
            return "Lapsed one-time buyers";
        }

        if (oneTime && (recency <= -Mild || tenure <= -Mild))
        {
            return "New customers";
        }

        // The marketer turned category shares on to find these: they beat spend and loyalty.
        if (DominantCategory(cluster, population) is { } category)
        {
            return $"{category} fans";
        }

        // Spend that stands out beyond the order count (big baskets), before loyalty claims the cluster.
        var spendAbovePopulation = cluster.Feature(Monetary)?.Median > population.Feature(Monetary)?.P75;
        if (monetary >= Strong && monetary - frequency >= Mild && spendAbovePopulation)
        {
            return "Big spenders";
        }

        if (frequency >= Mild && recency <= 0)
        {
            return "Loyal regulars";
        }

        if (monetary >= Strong && spendAbovePopulation)
        {
            return "Big spenders";
        }

        if (engagement >= Strong && frequency <= 0)
        {
            return "Engaged browsers";
        }

        return Fallback(cluster);
    }

    /// <summary>
    /// A category whose share of the cluster's spend is at least half, at least twice the population's,
    /// and clearly above average in standardized units.
    /// </summary>
    private static string? DominantCategory(ClusterProfile cluster, ClusterProfile population) =>
        cluster.Features
            .Where(f => CategoryOf(f.Key) is not null && f.Centroid >= Strong && f.Mean >= 0.5
                && f.Mean >= 2 * (population.Feature(f.Key)?.Mean ?? 0))
            .OrderByDescending(f => f.Mean)
            .Select(f => CategoryOf(f.Key))
            .FirstOrDefault();

    /// <summary>Named after the feature with the largest standardized deviation.</summary>
    private static string Fallback(ClusterProfile cluster)
    {
        var strongest = cluster.Features
            .Where(f => double.IsFinite(f.Centroid))
            .OrderByDescending(f => Math.Abs(f.Centroid))
            .FirstOrDefault();
        if (strongest is null || Math.Abs(strongest.Centroid) < Mild)
        {
            return Typical;
        }

        var high = strongest.Centroid > 0;
        if (CategoryOf(strongest.Key) is { } category)
        {
            return high ? $"{category} fans" : $"Rarely buy {category}";
        }

        return strongest.Key switch
        {
            RecencyDays => high ? "Lapsed customers" : "Recently active",
            Frequency => high ? "Frequent buyers" : "Occasional buyers",
            Monetary => high ? "Big spenders" : "Low spenders",
            TenureDays => high ? "Long-standing customers" : "Newer customers",
            AverageOrderValue => high ? "Big-basket buyers" : "Small-basket buyers",
            Engagement => high ? "Engaged readers" : "Quiet subscribers",
            _ => $"{(high ? "High" : "Low")} {LabelOf(strongest.Key).ToLowerInvariant()}",
        };
    }

    /// <summary>Standardized centre of a feature; NaN (never matching) when the run did not use it.</summary>
    private static double Z(ClusterProfile cluster, string key) => cluster.Feature(key)?.Centroid ?? double.NaN;
}
