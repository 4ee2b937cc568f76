using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Sequential;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Bench;

/// <summary>
/// Always-valid reading (decision 042): A/A experiments looked at daily for 30 days. How often the naive fixed-horizon z-test
/// declares a winner at some look, how often the studio's sequential verdict does (target ≤ 5 %), and how often the confidence
/// sequence covers the true difference at every look (target ≥ 95 %); also the sequential sample-ratio check on correct splits.
/// </summary>
public static class SequentialBenchmark
{
    private const int Days = 30;

    /// <summary>The shapes a shop sees: conversion rates and daily traffic per arm; the last has a real difference (coverage, power).</summary>
    private static readonly (string Name, double RateA, double RateB, int PerArmPerDay)[] Shapes =
    [
        ("A/A, 5 % conversion, 500 a day per arm", 0.05, 0.05, 500),
        ("A/A, 2 % conversion, 2,000 a day per arm", 0.02, 0.02, 2_000),
        ("A/A, 20 % conversion, 100 a day per arm", 0.20, 0.20, 100),
        ("real lift 5.5 % vs 5 %, 500 a day per arm", 0.055, 0.05, 500),
    ];

    public static SequentialBenchmarkResult Run(int experiments, CancellationToken ct)
    {
        var rows = new List<SequentialRow>();
        var seed = 1;
        foreach (var (name, rateA, rateB, perDay) in Shapes)
        {
            ct.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            var random = new Random(seed++);
            var planned = 2L * Days * perDay;
            int naive = 0, sequential = 0, covered = 0, srmFlagged = 0;
            for (var e = 0; e < experiments; e++)
            {
                long xa = 0, xb = 0, na = 0, nb = 0;
                bool naiveHit = false, sequentialHit = false, missed = false;
                var looks = new List<IReadOnlyList<long>>(Days);
                for (var day = 0; day < Days; day++)
                {
                    // Customers split at random between the arms each day, as a real 50/50 assignment does.
                    var toA = Binomial.Sample(random, 0.5, 2 * perDay);
                    na += toA;
                    nb += 2 * perDay - toA;
                    xa += Binomial.Sample(random, rateA, toA);
                    xb += Binomial.Sample(random, rateB, 2 * perDay - toA);
                    looks.Add([na, nb]);
                    var reading = ConfidenceSequence.DifferenceInRates(xa, na, xb, nb, planned);
                    naiveHit |= !reading.FixedHorizon.Contains(0);
                    sequentialHit |= reading.Verdict != SequentialVerdict.KeepRunning;
                    missed |= !reading.AlwaysValid.Contains(rateA - rateB);
                }

                naive += naiveHit ? 1 : 0;
                sequential += sequentialHit ? 1 : 0;
                covered += missed ? 0 : 1;
                srmFlagged += SequentialSampleRatio.Check(looks, [0.5, 0.5], 0.05).Mismatch ? 1 : 0;
            }

            var share = (double)experiments;
            rows.Add(new SequentialRow(name, rateA == rateB, experiments, naive / share, sequential / share, covered / share, srmFlagged / share, watch.Elapsed.TotalSeconds));
            Console.WriteLine($"{name}: naive {rows[^1].NaiveWinner:P1}, sequential {rows[^1].SequentialWinner:P1}, covered {rows[^1].Covered:P1}");
        }

        return new SequentialBenchmarkResult(rows);
    }
}

public sealed record SequentialRow(string Shape, bool IsAa, int Experiments, double NaiveWinner, double SequentialWinner, double Covered, double SampleRatioFlagged, double Seconds);

public sealed record SequentialBenchmarkResult(IReadOnlyList<SequentialRow> Rows)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## sequential — A/A experiments looked at daily for 30 days");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("Each experiment splits its daily customers 50/50 at random and is read every day with `ConfidenceSequence.DifferenceInRates` " +
            "(the studio's always-valid reading, planned size = 30 days of traffic). *Winner declared* = at some look the interval excluded 0: " +
            "the fixed-horizon z interval (naive) or the confidence sequence (the studio's verdict). *Covered* = the sequence held the true " +
            "difference at all 30 looks. *SRM flagged* = the sequential sample-ratio check at p < 0.05 on a split that is correct. " +
            "Targets: sequential winner ≤ 5 % on A/A, coverage ≥ 95 %.");
        s.AppendLine();
        s.AppendLine("| shape | experiments | naive winner | **sequential winner** | covered at every look | SRM flagged (correct split) | s | verdict |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Rows)
        {
            var met = r.Covered >= 0.95 && (!r.IsAa || r.SequentialWinner <= 0.05);
            s.AppendLine(inv, $"| {r.Shape} | {r.Experiments:N0} | {r.NaiveWinner:P1} | **{r.SequentialWinner:P1}**{(r.IsAa ? "" : " (power)")} | {r.Covered:P1} | {r.SampleRatioFlagged:P1} | {r.Seconds:F1} | {(met ? "met" : "not met")} |");
        }

        return s.ToString();
    }
}
