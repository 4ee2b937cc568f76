using CampaignStudio.Analytics.Clustering;
using static CampaignStudio.Analytics.Clustering.CustomerFeatures;

namespace CampaignStudio.Analytics.Tests.Clustering;

/// <summary>
/// Synthetic shop customers in three recognisable groups, in original units:
/// lapsed one-time buyers, loyal regulars and new customers.
/// </summary>
internal static class CustomerTestBuilder
{
    public static readonly string[] Keys = [RecencyDays, Frequency, Monetary, TenureDays, Engagement];

    public static (FeatureMatrix Data, int[] Group) ThreeGroups(int perGroup = 300, int seed = 7)
    {
        var random = new Random(seed);
        var rows = new List<float[]>();
        var groups = new List<int>();
        for (var i = 0; i < perGroup; i++)
        {
            // Lapsed one-time buyers: one order long ago, ~€45.
            rows.Add([Around(random, 400, 60), 1, Around(random, 45, 10), Around(random, 420, 60), Around(random, 1, 1)]);
            groups.Add(0);

            // Loyal regulars: a dozen orders, bought recently, long tenure, read the e-mails.
            rows.Add([Around(random, 15, 8), MathF.Round(Around(random, 12, 3)), Around(random, 600, 120), Around(random, 900, 150), Around(random, 20, 5)]);
            groups.Add(1);

            // New customers: one order in the last few weeks.
            rows.Add([Around(random, 10, 5), 1, Around(random, 50, 12), Around(random, 12, 5), Around(random, 3, 2)]);
            groups.Add(2);
        }

        return (FeatureMatrix.FromRows(Keys, rows.ToArray()), groups.ToArray());
    }

    private static float Around(Random random, double mean, double sd) =>
        (float)Math.Max(0, mean + (sd * BlobsTestBuilder.Gaussian(random)));
}
