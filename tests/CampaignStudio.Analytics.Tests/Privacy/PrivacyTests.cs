using CampaignStudio.Analytics.Privacy;
using CampaignStudio.Domain.Privacy;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Tests.Privacy;

public class SmallGroupsTests
{
    [Theory]
    [InlineData(0, 10, "0")]
    [InlineData(1, 10, "< 10")]
    [InlineData(9, 10, "< 10")]
    [InlineData(10, 10, "10")]
    [InlineData(12345, 10, "12,345")]
    [InlineData(4, 5, "< 5")]
    [InlineData(5, 5, "5")]
    public void ShowsGroupsSmallerThanKAsLessThanK(long count, int k, string shown)
    {
        SmallGroups.Format(count, k).ShouldBe(shown);
        SmallGroups.ValueOrNull(count, k).ShouldBe(shown.StartsWith('<') ? null : count);
    }

    [Theory]
    [InlineData(3, 100, 10, "< 10")]
    [InlineData(97, 100, 10, "> 90")] // the 3 who did not are the small group
    [InlineData(100, 100, 10, "100")] // nobody left out: an empty rest reveals no one
    [InlineData(50, 100, 10, "50")]
    [InlineData(0, 100, 10, "0")]
    [InlineData(97, 100, 3, "97")]
    public void HidesAPartWhenThePartOrTheRestOfItsTotalIsSmall(long part, long total, int k, string shown)
    {
        SmallGroups.FormatWithin(part, total, k).ShouldBe(shown);
        SmallGroups.IsSuppressedWithin(part, total, k).ShouldBe(shown.StartsWith('<') || shown.StartsWith('>'));
    }

    [Theory]
    [InlineData(0, 4, 10, true)] // the group itself is small, even with no part
    [InlineData(3, 100, 10, true)]
    [InlineData(97, 100, 10, true)]
    [InlineData(50, 100, 10, false)]
    [InlineData(0, 0, 10, false)] // nothing to hide in an empty group
    public void HidesARateWhenTheGroupOrItsPartOrTheRestIsSmall(long part, long total, int k, bool hidden) =>
        SmallGroups.HidesRate(part, total, k).ShouldBe(hidden);

    [Theory]
    [InlineData(1003, true, 10, "about 1,000")]
    [InlineData(1003, false, 10, "1,003")]
    [InlineData(7, true, 10, "< 10")]
    [InlineData(1047, true, 25, "about 1,050")]
    public void RoundsATotalToKWhenAGroupOfItIsHidden(long total, bool anyHidden, int k, string shown) =>
        SmallGroups.FormatTotal(total, anyHidden, k).ShouldBe(shown);
}

public class LaplaceNoiseTests
{
    private const int Draws = 20_000;

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.1)]
    [InlineData(2.5)]
    public void NoiseFollowsLaplaceWithScaleOneOverEpsilon(double epsilon)
    {
        var noise = new LaplaceNoise(epsilon, new Random(7));
        var samples = Enumerable.Range(0, Draws).Select(_ => noise.Sample()).ToArray();

        noise.Scale.ShouldBe(1 / epsilon, 1e-15);

        // Kolmogorov–Smirnov against Laplace(0, 1/ε): D below the 1 % critical value 1.63/√n.
        KolmogorovSmirnov(samples, new Laplace(0, 1 / epsilon)).ShouldBeLessThan(1.63 / Math.Sqrt(Draws));

        // Variance 2b²: the sample variance of 20,000 draws is within 5 % (its relative s.e. is about 1.6 %).
        var variance = samples.Select(s => s * s).Average() - Math.Pow(samples.Average(), 2);
        variance.ShouldBe(2 / (epsilon * epsilon), 0.05 * 2 / (epsilon * epsilon));
    }

    [Fact]
    public void TheTestWouldNoticeAWrongScale()
    {
        // The same draws judged against a 15 % larger scale fail the KS test: the check above has teeth.
        var noise = new LaplaceNoise(1, new Random(7));
        var samples = Enumerable.Range(0, Draws).Select(_ => noise.Sample()).ToArray();

        KolmogorovSmirnov(samples, new Laplace(0, 1.15)).ShouldBeGreaterThan(1.63 / Math.Sqrt(Draws));
    }

    [Fact]
    public void NoisyCountsAreWholeAndNeverNegative()
    {
        var noise = new LaplaceNoise(0.5, new Random(1));
        var counts = Enumerable.Range(0, 1000).Select(_ => noise.Apply(1)).ToArray();

        counts.ShouldAllBe(c => c >= 0);
        counts.Distinct().Count().ShouldBeGreaterThan(3);
    }

    [Fact]
    public void RefusesANonPositiveEpsilon()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new LaplaceNoise(0, new Random(1)));
    }

    private static double KolmogorovSmirnov(double[] samples, Laplace reference)
    {
        var sorted = samples.Order().ToArray();
        double d = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var f = reference.CumulativeDistribution(sorted[i]);
            d = Math.Max(d, Math.Max((i + 1.0) / sorted.Length - f, f - (double)i / sorted.Length));
        }

        return d;
    }
}
