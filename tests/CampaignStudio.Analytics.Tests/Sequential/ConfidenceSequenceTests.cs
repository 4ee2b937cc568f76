using CampaignStudio.Analytics.Sequential;
using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace CampaignStudio.Analytics.Tests.Sequential;

public class ConfidenceSequenceTests(ITestOutputHelper output)
{
    private const int Experiments = 2_000;
    private const int Days = 30;
    private const int CustomersPerArmPerDay = 500;
    private const long Planned = 2L * Days * CustomersPerArmPerDay;

    // Values from reference/sequential_reference.py (see sequential_reference.txt).
    [Theory]
    [InlineData(1_000, 0.17251709737587786)]
    [InlineData(30_000, 0.017523787276405016)]
    [InlineData(100_000, 0.009826330276535405)]
    public void UnitRadiusMatchesTheReference(int n, double expected)
    {
        ConfidenceSequence.TuningRhoSquared(30_000).ShouldBe(0.0002645384867245855, 1e-15);
        ConfidenceSequence.UnitRadius(n, ConfidenceSequence.TuningRhoSquared(30_000)).ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void DifferenceInMeansMatchesTheReferenceAndIsWiderThanTheFixedInterval()
    {
        var reading = ConfidenceSequence.DifferenceInMeans(new MeanSummary(5000, 0.052, 0.049), new MeanSummary(5000, 0.048, 0.046), plannedSampleSize: 30_000);

        reading.Difference.ShouldBe(0.004, 1e-12);
        (reading.AlwaysValid.Upper - reading.Difference).ShouldBe(0.013810730425993891, 1e-12);
        (reading.FixedHorizon.Upper - reading.Difference).ShouldBe(0.008543284941589409, 1e-12);
        reading.Verdict.ShouldBe(SequentialVerdict.KeepRunning);
    }

    [Fact]
    public void AClearDifferenceIsCalledForTheRightArm()
    {
        ConfidenceSequence.DifferenceInRates(700, 10_000, 500, 10_000, Planned).Verdict.ShouldBe(SequentialVerdict.TreatmentBetter);
        ConfidenceSequence.DifferenceInRates(500, 10_000, 700, 10_000, Planned).Verdict.ShouldBe(SequentialVerdict.ControlBetter);
    }

    [Fact]
    public void DailyLooksAtTwoThousandAaTestsFoolTheNaiveTestButNotTheSequentialVerdict()
    {
        var (naive, sequential, _) = Simulate(rateA: 0.05, rateB: 0.05, seed: 1);

        output.WriteLine($"naive z-test declared a winner in {naive:P1}, the sequential verdict in {sequential:P1}");
        naive.ShouldBeInRange(0.20, 0.35);
        sequential.ShouldBeLessThanOrEqualTo(0.05);
    }

    [Fact]
    public void TheSequenceCoversTheTrueDifferenceAtEveryLookInAtLeast95PercentOfExperiments()
    {
        var (_, _, coverage) = Simulate(rateA: 0.055, rateB: 0.05, seed: 2);

        output.WriteLine($"covered at all {Days} looks in {coverage:P1}");
        coverage.ShouldBeGreaterThanOrEqualTo(0.95);
    }

    /// <summary>
    /// Experiments looked at daily; customers arrive as daily binomial counts per arm (the sufficient statistic), so
    /// 2,000 × 30 looks run in well under a second.
    /// </summary>
    private static (double NaiveWinner, double SequentialWinner, double Coverage) Simulate(double rateA, double rateB, int seed)
    {
        var random = new Random(seed);
        int naive = 0, sequential = 0, covered = 0;
        for (var e = 0; e < Experiments; e++)
        {
            long xa = 0, xb = 0, n = 0;
            bool naiveHit = false, sequentialHit = false, missed = false;
            for (var day = 0; day < Days; day++)
            {
                xa += Binomial.Sample(random, rateA, CustomersPerArmPerDay);
                xb += Binomial.Sample(random, rateB, CustomersPerArmPerDay);
                n += CustomersPerArmPerDay;
                var reading = ConfidenceSequence.DifferenceInRates(xa, n, xb, n, Planned);
                naiveHit |= !reading.FixedHorizon.Contains(0);
                sequentialHit |= reading.Verdict != SequentialVerdict.KeepRunning;
                missed |= !reading.AlwaysValid.Contains(rateA - rateB);
            }

            naive += naiveHit ? 1 : 0;
            sequential += sequentialHit ? 1 : 0;
            covered += missed ? 0 : 1;
        }

        return ((double)naive / Experiments, (double)sequential / Experiments, (double)covered / Experiments);
    }
}
