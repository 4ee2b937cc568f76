using CampaignStudio.Analytics.Sequential;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace CampaignStudio.Analytics.Tests.Sequential;

public class SequentialSampleRatioTests(ITestOutputHelper output)
{
    // Values from reference/sequential_reference.py.
    [Theory]
    [InlineData(new long[] { 5100, 4900 }, new[] { 0.5, 0.5 }, -0.32951190155290533)]
    [InlineData(new long[] { 5400, 4600 }, new[] { 0.5, 0.5 }, 29.40949278799235)]
    [InlineData(new long[] { 3000, 3100, 2900, 1000 }, new[] { 0.3, 0.3, 0.3, 0.1 }, -3.636879877618412)]
    public void LogBayesFactorMatchesTheReference(long[] counts, double[] shares, double expected)
    {
        SequentialSampleRatio.LogBayesFactor(counts, shares).ShouldBe(expected, 1e-8);
    }

    [Fact]
    public void ASplitAsPlannedIsRarelyFlaggedThoughCheckedDaily()
    {
        var flagged = FlaggedShare(trueShareA: 0.5, threshold: 0.05, seed: 3);

        output.WriteLine($"flagged {flagged:P1} of correct 50/50 splits");
        flagged.ShouldBeLessThanOrEqualTo(0.05);
    }

    [Fact]
    public void ALopsidedSplitIsFlaggedWithinTheMonth()
    {
        var flagged = FlaggedShare(trueShareA: 0.48, threshold: 0.001, seed: 4);

        output.WriteLine($"flagged {flagged:P1} of 48/52 splits planned as 50/50");
        flagged.ShouldBeGreaterThan(0.95);
    }

    private static double FlaggedShare(double trueShareA, double threshold, int seed)
    {
        var random = new Random(seed);
        var flagged = 0;
        const int experiments = 2_000;
        for (var e = 0; e < experiments; e++)
        {
            long a = 0, b = 0;
            var looks = new List<IReadOnlyList<long>>();
            for (var day = 0; day < 30; day++)
            {
                var arrivals = 1_000;
                var toA = Binomial.Sample(random, trueShareA, arrivals);
                a += toA;
                b += arrivals - toA;
                looks.Add([a, b]);
            }

            flagged += SequentialSampleRatio.Check(looks, [0.5, 0.5], threshold).Mismatch ? 1 : 0;
        }

        return (double)flagged / experiments;
    }
}
