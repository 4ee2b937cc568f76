using System.Text.Json.Serialization;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>How a feature is reshaped before standardization.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureTransform>))]
public enum FeatureTransform
{
    /// <summary>Used as is.</summary>
    None,

    /// <summary>
    /// log(1 + x), for money and counts: a few customers with hundreds of orders would otherwise
    /// dominate the squared distances k-means minimises. Negative values (net refunds) count as 0.
    /// </summary>
    Log1p,
}

/// <summary>What a feature's numbers mean, so profiles can be written in the marketer's units.</summary>
public enum FeatureUnit
{
    /// <summary>A number of days.</summary>
    Days,

    /// <summary>A number of orders.</summary>
    Orders,

    /// <summary>An amount in the shop's currency.</summary>
    Money,

    /// <summary>A number of e-mail opens and clicks.</summary>
    Interactions,

    /// <summary>A fraction between 0 and 1.</summary>
    Share,
}

/// <summary>One feature a marketer can pick for "Find micro-segments".</summary>
/// <param name="Key">Stable key used in feature matrices and saved runs.</param>
/// <param name="Label">Name shown to the marketer.</param>
/// <param name="Unit">Unit of the raw values.</param>
/// <param name="Transform">Reshaping before standardization.</param>
/// <param name="DefaultOn">Whether the feature is ticked when the dialog opens.</param>
public sealed record FeatureDefinition(string Key, string Label, FeatureUnit Unit, FeatureTransform Transform, bool DefaultOn);

/// <summary>
/// The catalogue of customer features clustering can use: RFM, tenure, basket size, engagement and
/// one share-of-spend feature per product category (keys <c>category_share:&lt;name&gt;</c>).
/// </summary>
public static class CustomerFeatures
{
    /// <summary>Days since the last order.</summary>
    public const string RecencyDays = "recency_days";

    /// <summary>Number of orders.</summary>
    public const string Frequency = "frequency";

    /// <summary>Total spend.</summary>
    public const string Monetary = "monetary";

    /// <summary>Days since the customer's first order or sign-up.</summary>
    public const string TenureDays = "tenure_days";

    /// <summary>Total spend divided by the number of orders.</summary>
    public const string AverageOrderValue = "average_order_value";

    /// <summary>E-mail opens plus clicks in the last 90 days.</summary>
    public const string Engagement = "engagement";

    /// <summary>Prefix of the per-category share-of-spend keys.</summary>
    public const string CategorySharePrefix = "category_share:";

    /// <summary>
    /// The fixed features. Recency and tenure stay linear (they are spread over the shop's lifetime);
    /// money and counts are log-transformed. Average order value is off by default: on the log scale it is
    /// monetary minus frequency, so with both on it adds little but weight.
    /// </summary>
    public static IReadOnlyList<FeatureDefinition> Standard { get; } =
    [
        new(RecencyDays, "Days since last order", FeatureUnit.Days, FeatureTransform.None, DefaultOn: true),
        new(Frequency, "Orders", FeatureUnit.Orders, FeatureTransform.Log1p, DefaultOn: true),
        new(Monetary, "Total spend", FeatureUnit.Money, FeatureTransform.Log1p, DefaultOn: true),
        new(TenureDays, "Days as a customer", FeatureUnit.Days, FeatureTransform.None, DefaultOn: true),
        new(AverageOrderValue, "Average order value", FeatureUnit.Money, FeatureTransform.Log1p, DefaultOn: false),
        new(Engagement, "E-mail opens and clicks (90 days)", FeatureUnit.Interactions, FeatureTransform.Log1p, DefaultOn: true),
    ];

    /// <summary>Keys of the features ticked by default (category shares are opt-in).</summary>
    public static IReadOnlyList<string> DefaultKeys { get; } = Standard.Where(f => f.DefaultOn).Select(f => f.Key).ToArray();

    /// <summary>Key of the share-of-spend feature for a category.</summary>
    public static string CategoryShareKey(string category)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        return CategorySharePrefix + category;
    }

    /// <summary>Definition of the share-of-spend feature for a category (0–1, untransformed).</summary>
    public static FeatureDefinition CategoryShare(string category) =>
        new(CategoryShareKey(category), $"Share of spend on {category}", FeatureUnit.Share, FeatureTransform.None, DefaultOn: false);

    /// <summary>The category named in a share key, or null for other keys.</summary>
    public static string? CategoryOf(string key) =>
        key.StartsWith(CategorySharePrefix, StringComparison.Ordinal) && key.Length > CategorySharePrefix.Length
            ? key[CategorySharePrefix.Length..]
            : null;

    /// <summary>Looks up a fixed or category feature by key.</summary>
    public static bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FeatureDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(key);
        definition = Standard.FirstOrDefault(f => f.Key == key);
        if (definition is null && CategoryOf(key) is { } category)
        {
            definition = CategoryShare(category);
        }

        return definition is not null;
    }

    /// <summary>Looks up a feature by key; throws for keys the catalogue does not know.</summary>
    public static FeatureDefinition Get(string key) =>
        TryGet(key, out var definition) ? definition : throw new ArgumentException($"Unknown customer feature '{key}'.", nameof(key));

    /// <summary>Transform for a key; features outside the catalogue are used as is.</summary>
    public static FeatureTransform TransformOf(string key) => TryGet(key, out var d) ? d.Transform : FeatureTransform.None;

    /// <summary>Label for a key; features outside the catalogue show their key.</summary>
    public static string LabelOf(string key) => TryGet(key, out var d) ? d.Label : key;
}
