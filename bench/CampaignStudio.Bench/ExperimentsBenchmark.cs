using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Features.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Bench;

/// <summary>
/// Experiments: Hillstrom (64,000 customers) checked, imported and analysed through the studio's own code; uplift training
/// time per learner on it (the job's settings); and the analysis of a generated 1,000,000-customer experiment in SQLite.
/// </summary>
public static class ExperimentsBenchmark
{
    public const string HillstromPath = "/work/shared/data/hillstrom.csv";

    public static async Task<ExperimentsBenchmarkResult> RunAsync(BenchWorkspace workspace, bool quick, int runs, CancellationToken ct)
    {
        var rows = new List<(string Step, string Size, double Seconds, string Note)>();
        var factory = await BenchDatabase.CreateAsync(workspace.DatabasePath, ct);

        // 1. Hillstrom: parse + check the whole file, write it in one transaction, analyse.
        var watch = Stopwatch.StartNew();
        ResultsMapping mapping;
        await using (var file = File.OpenRead(HillstromPath))
        {
            mapping = ExperimentResultsFile.Preview(file).Suggested;
        }

        ParsedResults parsed;
        await using (var file = File.OpenRead(HillstromPath))
        {
            parsed = ExperimentResultsFile.Parse(file, mapping);
        }

        rows.Add(("Hillstrom: read and check every row (preview + parse)", "64,000", watch.Elapsed.TotalSeconds, $"{parsed.Rows.Count:N0} rows, {parsed.ArmCounts.Count} arms"));
        watch.Restart();
        int hillstromId;
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            hillstromId = (await ExperimentResultsFile.CreateAsync(db, parsed, mapping, "Hillstrom", PrimaryMetric.Conversion, "bench", DateTime.UtcNow, ct)).ExperimentId;
        }

        rows.Add(("Hillstrom: create the experiment (one transaction)", "64,000", watch.Elapsed.TotalSeconds, ""));
        foreach (var (metric, cuped, label) in new[] { (PrimaryMetric.Conversion, false, "conversion (SQL counts)"), (PrimaryMetric.RevenuePerCustomer, true, "spend with CUPED (values read)") })
        {
            var times = await TimeAnalysisAsync(factory, hillstromId, metric, cuped, runs, ct);
            rows.Add(($"Hillstrom: analysis, {label}", "64,000", Stats.Median(times), $"median of {runs}; min {times.Min():F3} s"));
        }

        // 2. Uplift training on Hillstrom (every e-mail vs none, visit as the outcome: Hillstrom's conversions are too rare to rank on).
        var request = new UpliftRequest(Metric: PrimaryMetric.Visit, NumberOfTrees: quick ? 30 : 100);
        UpliftInput input;
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            input = await UpliftDataLoader.LoadAsync(db, hillstromId, request.TreatmentArm, request.Metric, ct);
        }

        var options = UpliftJobs.OptionsFor(request, input.Dataset.Count);
        watch.Restart();
        UpliftTrainer.CrossFitPropensity(input.Dataset, options);
        rows.Add(("Uplift: purchase propensity (cross-fitted)", "64,000", watch.Elapsed.TotalSeconds, $"{options.Folds} folds × {options.NumberOfTrees} trees"));
        var total = watch.Elapsed.TotalSeconds;
        foreach (var learner in new[] { UpliftLearner.TLearner, UpliftLearner.XLearner, UpliftLearner.ClassTransformation })
        {
            watch.Restart();
            var scores = UpliftTrainer.CrossFit(input.Dataset, options with { Learner = learner });
            var seconds = watch.Elapsed.TotalSeconds;
            total += seconds;
            var curves = UpliftEvaluation.Curves(scores.Scores, input.Dataset.Treated, input.Dataset.Outcome);
            rows.Add(($"Uplift: {learner}", "64,000", seconds, $"Qini coefficient {curves.QiniCoefficient:F3}, AUUC {curves.Auuc:F4} (random {curves.AuucRandom:F4})"));
        }

        rows.Add(("Uplift: the whole job (propensity + 3 learners)", "64,000", total, $"{input.Dataset.FeatureNames.Count} features"));

        // 3. A million-customer experiment in SQLite: three arms, a pre-period value each.
        var size = quick ? 100_000 : 1_000_000;
        watch.Restart();
        var bigId = await GenerateAsync(factory, size, ct);
        var generate = watch.Elapsed.TotalSeconds;
        foreach (var (metric, cuped, label) in new[] { (PrimaryMetric.Conversion, false, "conversion (SQL counts)"), (PrimaryMetric.RevenuePerCustomer, false, "revenue (values read)"), (PrimaryMetric.RevenuePerCustomer, true, "revenue with CUPED") })
        {
            var times = await TimeAnalysisAsync(factory, bigId, metric, cuped, Math.Max(3, runs / 2), ct);
            rows.Add(($"Generated experiment: analysis, {label}", size.ToString("N0", CultureInfo.InvariantCulture), Stats.Median(times), $"median of {Math.Max(3, runs / 2)}; min {times.Min():F3} s"));
        }

        return new ExperimentsBenchmarkResult(rows, size, generate, quick);
    }

    private static async Task<List<double>> TimeAnalysisAsync(Microsoft.EntityFrameworkCore.IDbContextFactory<Data.AppDbContext> factory, int id, PrimaryMetric metric, bool cuped, int runs, CancellationToken ct)
    {
        var times = new List<double>();
        for (var i = 0; i < runs + 1; i++)
        {
            var watch = Stopwatch.StartNew();
            await using var db = await factory.CreateDbContextAsync(ct);
            var readout = await ExperimentAnalysisService.AnalyzeAsync(db, id, metric, cuped, ct);
            if (readout.Analysis is null)
            {
                throw new InvalidOperationException(readout.Problem);
            }

            // The first run warms EF's model and query caches; it is not counted.
            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalSeconds);
            }
        }

        return times;
    }

    private static async Task<int> GenerateAsync(Microsoft.EntityFrameworkCore.IDbContextFactory<Data.AppDbContext> factory, int size, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var experiment = new Experiment
        {
            Name = "Generated", Status = ExperimentStatus.Finished, Source = ExperimentSource.Imported, AssignmentSalt = "bench", CreatedBy = "bench",
            Variants = [new Variant { Name = "Control", IsControl = true }, new Variant { Name = "A", SortOrder = 1 }, new Variant { Name = "B", SortOrder = 2 }],
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(ct);
        var ids = experiment.Variants.Select(v => v.Id).ToArray();
        var rng = new Random(11);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var insert = await BulkInserter.CreateAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), "Assignments",
                         ["ExperimentId", "VariantId", "AssignedAt", "Converted", "Revenue", "PrePeriodValue"], ct: ct))
        {
            var now = DateTime.UtcNow;
            for (var i = 0; i < size; i++)
            {
                var arm = rng.Next(3);
                var pre = Math.Exp(3 + rng.NextDouble());
                var converted = rng.NextDouble() < 0.03 + 0.004 * arm;
                await insert.InsertAsync(ct, experiment.Id, ids[arm], now, converted, converted ? 0.4 * pre + 20 * rng.NextDouble() : 0.0, pre);
            }
        }

        await tx.CommitAsync(ct);
        return experiment.Id;
    }
}

public sealed record ExperimentsBenchmarkResult(IReadOnlyList<(string Step, string Size, double Seconds, string Note)> Rows, int GeneratedSize, double GenerateSeconds, bool Quick)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(inv, $"## experiments — Hillstrom analysis and uplift training, {GeneratedSize:N0}-customer experiment analysis{(Quick ? " (--quick)" : "")}");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("Through the studio's own code on a fresh SQLite file: `ExperimentResultsFile` (preview, parse, one-transaction create), " +
            "`ExperimentAnalysisService.AnalyzeAsync` (rates as SQL counts; revenue and CUPED from per-customer values), and the uplift job's learners with " +
            "`UpliftJobs.OptionsFor` (FastTree, 3-fold cross-fitting, 8 leaves, leaves of ≥ n/10 capped at 1,000, learning rate 0.05). " +
            "Uplift uses Hillstrom's visits (every e-mail vs none) as the outcome.");
        s.AppendLine();
        s.AppendLine("| step | customers | seconds | note |");
        s.AppendLine("|---|---:|---:|---|");
        foreach (var r in Rows)
        {
            s.AppendLine(inv, $"| {r.Step} | {r.Size} | **{r.Seconds:F3}** | {r.Note} |");
        }

        s.AppendLine();
        s.AppendLine(inv, $"Generating the {GeneratedSize:N0}-row experiment (bulk insert, not timed above) took {GenerateSeconds:F1} s. No numeric targets were set by the issue.");
        return s.ToString();
    }
}
