using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Tests.Statistics;

public sealed class PropensityWeightedTests
{
    // Inputs and values from reference/propensity_weighted_reference.py (see propensity_weighted_reference.txt): a launched
    // round in miniature, four offers, holdout 10 %, exploration 20 %; each row (arm, the policy's arm, value).
    private static readonly (int Arm, int Policy, double Value)[] Rows =
    [
        (0, 0, 0.0), (0, 2, 12.5), (2, 2, 30.1), (2, 2, 0.0), (2, 2, 41.7), (1, 1, 0.0), (1, 1, 22.0), (3, 3, 0.0),
        (3, 3, 18.3), (0, 3, 0.0), (1, 2, 9.9), (3, 2, 0.0), (2, 1, 27.5), (1, 1, 14.2), (0, 0, 6.0), (0, 1, 0.0),
        (2, 2, 0.0), (3, 3, 35.0), (1, 1, 0.0), (0, 2, 3.3),
    ];

    private static double[] Values => [.. Rows.Select(r => r.Value)];

    private static double[] Propensities => [.. Rows.Select(r => ExplorationPlan.Propensity(r.Arm, r.Policy, 4, 0, 0.20, 0.10))];

    [Fact]
    public void TheWeightedMeanAndItsSandwichErrorMatchTheWeightedLeastSquaresReference()
    {
        var estimate = PropensityWeighted.Mean(Values, Propensities);

        estimate.Mean.ShouldBe(10.436451747752487, 1e-12);
        estimate.StandardError.ShouldBe(4.29319684353808, 1e-12);
        estimate.Ci.Lower.ShouldBe(2.02194055587681, 1e-9);
        estimate.Ci.Upper.ShouldBe(18.850962939628165, 1e-9);
        estimate.EffectiveN.ShouldBe(7.269424788914387, 1e-9);
    }

    [Theory]
    [InlineData(0, 3.8765333333333336, 2.5929301285279465)]
    [InlineData(1, 9.738095238095239, 1.0206200334339848)]
    [InlineData(2, 25.68095238095238, 2.689234065531493)]
    [InlineData(3, 2.665, 3.341482056413491)]
    public void EachArmsMeanMatchesTheReference(int arm, double mean, double standardError)
    {
        var rows = Rows.Select((r, i) => (r, i)).Where(x => x.r.Arm == arm).Select(x => x.i).ToArray();

        var estimate = PropensityWeighted.Mean([.. rows.Select(i => Values[i])], [.. rows.Select(i => Propensities[i])]);

        estimate.Mean.ShouldBe(mean, 1e-12);
        estimate.StandardError.ShouldBe(standardError, 1e-12);
    }

    [Fact]
    public void ThePolicyMinusNoMessageIsPairedOverTheCustomersInBoth()
    {
        var policy = Rows.Select(r => r.Arm == r.Policy).ToArray();
        var none = Rows.Select(r => r.Arm == 0).ToArray();

        var gain = PropensityWeighted.Contrast(Values, Propensities, policy, none);

        gain.Mean.ShouldBe(9.17140691112117, 1e-12);
        gain.StandardError.ShouldBe(4.826579071450275, 1e-12);
        gain.Ci.Lower.ShouldBe(-0.28851423745614113, 1e-9);
        gain.Ci.Upper.ShouldBe(18.631328059698482, 1e-9);
    }

    [Fact]
    public void WithEqualChancesItIsThePlainMeanAndItsUsualStandardError()
    {
        double[] values = [1, 0, 0, 1, 1, 0, 1, 1];
        var plain = MeanSummary.FromValues(values);

        var estimate = PropensityWeighted.Mean(values, [.. values.Select(_ => 0.25)]);

        estimate.Mean.ShouldBe(plain.Mean, 1e-15);
        estimate.StandardError.ShouldBe(plain.StandardError, 1e-15);
        estimate.EffectiveN.ShouldBe(values.Length, 1e-9);
    }

    [Fact]
    public void OnALaunchedPolicysCustomersTheWeightedMeanOfAnOfferIsUnbiasedAndCoversWhereThePlainMeanIsNot()
    {
        // Two kinds of customer; the policy gives offer 1 to the kind that buys more, so offer 1's customers are mostly that kind.
        // True mean of offer 1 had everyone got it: 0.5 × 0.30 + 0.5 × 0.05 = 0.175.
        const int Runs = 1_000, Customers = 4_000;
        const double Truth = 0.175;
        var random = new Random(7);
        var estimates = new List<double>();
        var plain = new List<double>();
        var covered = 0;
        for (var run = 0; run < Runs; run++)
        {
            var y = new List<double>();
            var p = new List<double>();
            for (var i = 0; i < Customers; i++)
            {
                var buyer = random.NextDouble() < 0.5;
                var policyArm = buyer ? 1 : 0;
                var draw = ExplorationPlan.Draw([policyArm], 2, 0, 0.10, 0.10, random.Next())[0];
                if (draw.Arm != 1)
                {
                    continue;
                }

                y.Add(random.NextDouble() < (buyer ? 0.30 : 0.05) ? 1 : 0);
                p.Add(draw.Propensity);
            }

            var estimate = PropensityWeighted.Mean(y.ToArray(), p.ToArray());
            estimates.Add(estimate.Mean);
            plain.Add(y.Average());
            covered += estimate.Ci.Contains(Truth) ? 1 : 0;
        }

        // Within four Monte Carlo standard errors of the truth; the plain mean is far off (mostly buyers got the offer).
        var sd = Math.Sqrt(estimates.Average(e => Math.Pow(e - estimates.Average(), 2)));
        Math.Abs(estimates.Average() - Truth).ShouldBeLessThan(4 * sd / Math.Sqrt(Runs));
        (plain.Average() - Truth).ShouldBeGreaterThan(0.08);
        ((double)covered / Runs).ShouldBeInRange(0.93, 0.97);
    }
}
