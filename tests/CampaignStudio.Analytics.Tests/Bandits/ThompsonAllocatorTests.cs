using CampaignStudio.Analytics.Bandits;
using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CampaignStudio.Analytics.Tests.Bandits;

public class ThompsonAllocatorTests(ITestOutputHelper output)
{
    // A known 4-arm problem: conversion rates of no message, e-mail, 10 % off, 20 % off.
    private static readonly double[] Rates = [0.040, 0.045, 0.050, 0.060];
    private const int Days = 20;
    private const int CustomersPerDay = 2_000;
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheFloorIsKeptAndTheRestSharedInProportion()
    {
        // 0.01 each, the remaining 0.96 split 0.7/0.2/0.1/0 → 0.682, 0.202, 0.106, 0.01
        ThompsonAllocator.WithFloor([0.7, 0.2, 0.1, 0], 0.01).ShouldBe([0.682, 0.202, 0.106, 0.01], tolerance: 1e-12);
    }

    [Fact]
    public void WeightsChangeOnlyAfterTheIntervalAndStayEqualDuringBurnIn()
    {
        var clock = new FakeTimeProvider(Start);
        var allocator = new ThompsonAllocator(2, new ThompsonOptions(TimeSpan.FromDays(1), BurnInUpdates: 1), clock);
        ArmTally[] tallies = [new(1000, 10), new(1000, 90)];

        clock.Advance(TimeSpan.FromHours(23));
        allocator.Update(tallies).ShouldBeFalse();

        clock.Advance(TimeSpan.FromHours(1));
        allocator.Update(tallies).ShouldBeTrue();
        allocator.Weights.ShouldBe([0.5, 0.5], "still in burn-in");

        clock.Advance(TimeSpan.FromDays(1));
        allocator.Update(tallies).ShouldBeTrue();
        allocator.Weights[1].ShouldBe(0.99, 1e-12, "the clearly better arm gets all but the other's floor");
        allocator.Log.Select(b => b.From).ShouldBe([Start, Start.AddDays(1), Start.AddDays(2)]);
    }

    [Fact]
    public void AResumedAllocationKeepsItsIntervalBurnInAndLogFromTheStoredLog()
    {
        // The studio stores the log between rounds: two equal weight sets, the second a day after the start.
        var clock = new FakeTimeProvider(Start.AddDays(1).AddHours(20));
        AllocationBatch[] stored = [new(0, Start, [0.5, 0.5]), new(1, Start.AddDays(1), [0.5, 0.5])];
        var options = new ThompsonOptions(TimeSpan.FromDays(1), BurnInUpdates: 1);
        ArmTally[] tallies = [new(1000, 10), new(1000, 90)];

        var allocator = ThompsonAllocator.Resume(2, options, clock, stored);

        allocator.Weights.ShouldBe([0.5, 0.5]);
        allocator.Update(tallies).ShouldBeFalse("20 hours after the last change");
        clock.Advance(TimeSpan.FromHours(4));
        allocator.Update(tallies).ShouldBeTrue();
        allocator.Weights[1].ShouldBe(0.99, 1e-12, "burn-in is over: two weight sets were logged already");
        allocator.Log.Select(b => (b.Index, b.From)).ShouldBe([(0, Start), (1, Start.AddDays(1)), (2, Start.AddDays(2))]);

        // A resumed allocation in burn-in stays equal.
        var early = ThompsonAllocator.Resume(2, options, clock, stored[..1]);
        early.Update(tallies).ShouldBeTrue();
        early.Weights.ShouldBe([0.5, 0.5]);
        Should.Throw<ArgumentException>(() => ThompsonAllocator.Resume(3, options, clock, stored));
    }

    [Fact]
    public void OnAKnownFourArmProblemItSendsMostToTheBestArmWithLessRegretThanEqualAllocation()
    {
        var runs = Enumerable.Range(0, 20).Select(seed => Run(seed)).ToArray();

        var regret = runs.Average(r => r.Regret);
        var equalRegret = (double)Days * CustomersPerDay * (Rates.Max() - Rates.Average());
        var bestShare = runs.Average(r => r.BestArmShare);
        output.WriteLine($"regret {regret:0.#} conversions vs {equalRegret:0.#} with equal weights; best arm got {bestShare:P1} of customers");
        regret.ShouldBeLessThan(0.6 * equalRegret);
        bestShare.ShouldBeGreaterThan(0.5);
    }

    [Fact]
    public void ReweightingByTheLoggedAllocationKeepsArmEstimatesUnbiased()
    {
        const int runs = 300;
        var estimates = Enumerable.Range(0, runs).Select(seed => Run(1000 + seed).Estimates).ToArray();

        for (var a = 0; a < Rates.Length; a++)
        {
            var values = estimates.Select(e => e[a].Mean).ToArray();
            var mean = values.Average();
            var monteCarloError = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (runs - 1) / runs);
            output.WriteLine($"arm {a}: true {Rates[a]:0.0000}, mean of reweighted estimates {mean:0.00000} ± {monteCarloError:0.00000}");
            Math.Abs(mean - Rates[a]).ShouldBeLessThan(4 * monteCarloError + 1e-9);
        }
    }

    [Fact]
    public void LiftsAgainstControlAreTheDifferenceOfReweightedMeans()
    {
        var batches = Run(7).Batches;

        var means = AdaptiveEstimate.ArmMeans(batches);
        var lifts = AdaptiveEstimate.Lifts(batches, control: 0);

        lifts[0].Mean.ShouldBe(0);
        for (var a = 1; a < Rates.Length; a++)
        {
            lifts[a].Mean.ShouldBe(means[a].Mean - means[0].Mean, 1e-12);
        }

        lifts[3].Ci.Contains(Rates[3] - Rates[0]).ShouldBeTrue();
    }

    [Fact]
    public void OnValueItAlsoFavoursTheBestArmAndTheReweightedMeansStayCloseToTheTruth()
    {
        // Value per customer: buys with the arm's rate, spends uniform 20–80 (mean 50), so true means 2.0, 2.5, 3.0, 3.5.
        double[] rates = [0.04, 0.05, 0.06, 0.07];
        var random = new Random(5);
        var clock = new FakeTimeProvider(Start);
        var allocator = new ThompsonAllocator(4, new ThompsonOptions(TimeSpan.FromDays(1), BurnInUpdates: 2, Draws: 500), clock);
        var values = Enumerable.Range(0, 4).Select(_ => new List<double>()).ToArray();
        var batches = new List<BatchResult>();
        for (var day = 0; day < Days; day++)
        {
            var weights = allocator.Weights.ToArray();
            var assigned = Multinomial.Sample(random, weights, CustomersPerDay);
            var sums = new double[4];
            var squares = new double[4];
            for (var a = 0; a < 4; a++)
            {
                for (var c = 0; c < assigned[a]; c++)
                {
                    var v = random.NextDouble() < rates[a] ? 20 + 60 * random.NextDouble() : 0;
                    values[a].Add(v);
                    sums[a] += v;
                    squares[a] += v * v;
                }
            }

            batches.Add(new BatchResult(weights, assigned.Select(c => (long)c).ToArray(), sums, squares));
            clock.Advance(TimeSpan.FromDays(1));
            allocator.Update(values.Select(v => MeanSummary.FromValues(v.ToArray())).ToArray());
        }

        var bestShare = (double)values[3].Count / (Days * CustomersPerDay);
        var estimates = AdaptiveEstimate.ArmMeans(batches);
        output.WriteLine($"best arm got {bestShare:P1}; estimates {string.Join(", ", estimates.Select(e => $"{e.Mean:0.00} ± {e.StandardError:0.00}"))}");
        bestShare.ShouldBeGreaterThan(0.4);
        for (var a = 0; a < 4; a++)
        {
            estimates[a].Ci.Contains(rates[a] * 50).ShouldBeTrue($"arm {a}");
        }
    }

    private static (double Regret, double BestArmShare, AdaptiveArmEstimate[] Estimates, List<BatchResult> Batches) Run(int seed)
    {
        var random = new Random(seed);
        var clock = new FakeTimeProvider(Start);
        var allocator = new ThompsonAllocator(Rates.Length, new ThompsonOptions(TimeSpan.FromDays(1), BurnInUpdates: 2, Draws: 500, Seed: seed), clock);
        var tallies = new ArmTally[Rates.Length];
        var batches = new List<BatchResult>();
        double regret = 0, toBest = 0;
        for (var day = 0; day < Days; day++)
        {
            var weights = allocator.Weights.ToArray();
            var assigned = Multinomial.Sample(random, weights, CustomersPerDay);
            var conversions = new double[Rates.Length];
            for (var a = 0; a < Rates.Length; a++)
            {
                conversions[a] = Binomial.Sample(random, Rates[a], assigned[a]);
                tallies[a] = new ArmTally(tallies[a].Customers + assigned[a], tallies[a].Conversions + (long)conversions[a]);
                regret += assigned[a] * (Rates.Max() - Rates[a]);
            }

            toBest += assigned[^1];
            batches.Add(new BatchResult(weights, assigned.Select(c => (long)c).ToArray(), conversions, conversions));
            clock.Advance(TimeSpan.FromDays(1));
            allocator.Update(tallies);
        }

        return (regret, toBest / (Days * CustomersPerDay), AdaptiveEstimate.ArmMeans(batches), batches);
    }
}
