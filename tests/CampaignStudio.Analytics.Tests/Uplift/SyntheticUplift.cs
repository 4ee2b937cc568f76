using CampaignStudio.Analytics.Uplift;

namespace CampaignStudio.Analytics.Tests.Uplift;

/// <summary>
/// Experiment with a known heterogeneous effect: five uniform(−1, 1) covariates, 50 % treated,
/// baseline conversion 0.10 + 0.05·x1, and the e-mail adds 0.15 only when x0 &lt; 0.
/// </summary>
internal sealed record SyntheticUplift(UpliftDataset Dataset, double[] TrueEffect)
{
    public const double Effect = 0.15;

    public static SyntheticUplift Create(int n, int seed)
    {
        var random = new Random(seed);
        var features = new float[n][];
        var treated = new bool[n];
        var outcome = new double[n];
        var effect = new double[n];
        for (var i = 0; i < n; i++)
        {
            var x = new float[5];
            for (var j = 0; j < x.Length; j++)
            {
                x[j] = (float)(random.NextDouble() * 2 - 1);
            }

            features[i] = x;
            treated[i] = random.NextDouble() < 0.5;
            effect[i] = x[0] < 0 ? Effect : 0;
            var p = 0.10 + 0.05 * x[1] + (treated[i] ? effect[i] : 0);
            outcome[i] = random.NextDouble() < p ? 1 : 0;
        }

        return new SyntheticUplift(new UpliftDataset(features, ["x0", "x1", "x2", "x3", "x4"], treated, outcome), effect);
    }

    /// <summary>Sum of the true effects of the selected customers: the conversions the e-mail really adds.</summary>
    public double TrueIncremental(bool[] selected) => TrueEffect.Where((_, i) => selected[i]).Sum();
}
