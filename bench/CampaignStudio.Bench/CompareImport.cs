using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Imports;
using Microsoft.Data.Sqlite;

namespace CampaignStudio.Bench;

/// <summary>
/// Issue 17's import comparison: the studio's CSV import of customers and SQLite's own CLI (<c>bench/peers/import_sqlite3.sql</c>)
/// on the same CSV into the same freshly migrated schema, alternately (studio, CLI, studio, …); each side imports the file
/// twice (first = inserts, second = an update of every row). The CLI does no validation, no row accounting and no batching:
/// it is the floor SQLite itself sets for this schema.
/// </summary>
public static class CompareImport
{
    public const string Studio = "studio";
    public const string Cli = "sqlite3 CLI";
    public const string OneTransaction = "studio, one transaction (diagnosis)";

    public static async Task<CompareImportResult> RunAsync(string repo, BenchWorkspace workspace, int rows, int pairs, CancellationToken ct)
    {
        var sqlite3 = "/usr/bin/sqlite3";
        if (!File.Exists(sqlite3))
        {
            throw new InvalidOperationException("The peer needs SQLite's CLI: apt-get install sqlite3");
        }

        Console.WriteLine($"compare import: generating {rows:N0} customers");
        await CustomerCsv.WriteAsync(workspace.CsvPath, rows, ct);
        ImportMapping mapping;
        await using (var head = File.OpenRead(workspace.CsvPath))
        {
            mapping = ImportFields.Suggest(ImportKind.Customers, CsvImporter.Preview(head).Headers);
        }

        var script = (await File.ReadAllTextAsync(Path.Combine(repo, "bench", "peers", "import_sqlite3.sql"), ct))
            .Replace(":csv", workspace.CsvPath, StringComparison.Ordinal)
            .Replace(":now", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var runs = new List<CompareImportRun>();
        for (var pair = 1; pair <= pairs; pair++)
        {
            await StudioAsync(workspace, mapping, $"studio{pair}.db", pair, Studio, CsvImporter.DefaultBatchSize, rows, runs, ct);
            var peerDb = Path.Combine(workspace.Folder, $"peer{pair}.db");
            await BenchDatabase.CreateAsync(peerDb, ct);
            SqliteConnection.ClearAllPools();
            foreach (var step in new[] { "first import", "re-import" })
            {
                var load = Load();
                var watch = Stopwatch.StartNew();
                var cpu = await CliAsync(sqlite3, peerDb, script, ct);
                watch.Stop();
                runs.Add(new CompareImportRun(pair, Cli, step, rows, watch.Elapsed.TotalSeconds, load) { CpuSeconds = cpu });
                Console.WriteLine($"compare import: sqlite3 CLI {step} {watch.Elapsed.TotalSeconds:F2} s, CPU {cpu:F2} s");
            }

            await StudioAsync(workspace, mapping, $"studio-one{pair}.db", pair, OneTransaction, rows, rows, runs, ct);

            SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(workspace.Folder, "*.db*"))
            {
                File.Delete(file);
            }
        }

        return new CompareImportResult(rows, runs);
    }

    /// <summary>
    /// The studio's import of the file into a fresh database, first import then re-import. <paramref name="batchSize"/> is
    /// the product's default, or (diagnosis only, not a product setting) the whole file as one batch: one sort by e-mail,
    /// one merge, one commit — the CLI's shape, so the difference to the studio's default is the cost of committing every
    /// batch (issue 17, decision 062).
    /// </summary>
    private static async Task StudioAsync(BenchWorkspace workspace, ImportMapping mapping, string file, int pair, string side, int batchSize, int rows,
        List<CompareImportRun> runs, CancellationToken ct)
    {
        var factory = await BenchDatabase.CreateAsync(Path.Combine(workspace.Folder, file), ct);
        var importer = new CsvImporter(factory, TimeProvider.System) { BatchSize = batchSize };
        foreach (var step in new[] { "first import", "re-import" })
        {
            var load = Load();
            await using var stream = File.OpenRead(workspace.CsvPath);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var summary = await importer.ImportAsync(stream, ImportKind.Customers, mapping, ct: ct);
            watch.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            runs.Add(new CompareImportRun(pair, side, step, rows, watch.Elapsed.TotalSeconds, load) { CpuSeconds = cpu.TotalSeconds });
            Console.WriteLine($"compare import: {side} {step} {watch.Elapsed.TotalSeconds:F2} s, CPU {cpu.TotalSeconds:F2} s ({summary.InsertedRows:N0} new, {summary.UpdatedRows:N0} updated, {summary.ErrorRows:N0} errors)");
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>Runs the CLI under GNU time and returns its CPU seconds (user + system): on a loaded machine the wall time says little.</summary>
    private static async Task<double> CliAsync(string sqlite3, string db, string script, CancellationToken ct)
    {
        var cpuFile = Path.Combine(Path.GetDirectoryName(db)!, "cli-cpu.txt");
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(cpuFile);
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("%U %S");
        start.ArgumentList.Add(sqlite3);
        start.ArgumentList.Add("-bail");
        start.ArgumentList.Add(db);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sqlite3 failed: {await error}");
        }

        return (await File.ReadAllTextAsync(cpuFile, ct)).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Sum(part => double.Parse(part, CultureInfo.InvariantCulture));
    }
}

public sealed record CompareImportRun(int Pair, string Side, string Step, int Rows, double Seconds, string Load)
{
    /// <summary>CPU seconds of the side's process during the run (the studio's includes its parsing thread).</summary>
    public double CpuSeconds { get; init; }

    public double RowsPerSecond => Rows / Seconds;
}

public sealed record CompareImportResult(int Rows, IReadOnlyList<CompareImportRun> Runs)
{
    /// <summary>A side's rows/s over the CLI's rows/s (medians) for one step: at least 1.0 is the target for the studio.</summary>
    public double Ratio(string step, string side = CompareImport.Studio) => Median(side, step, r => r.RowsPerSecond) / Median(CompareImport.Cli, step, r => r.RowsPerSecond);

    /// <summary>A side's CPU seconds over the CLI's (medians) for one step, parsing thread included: at most 1.0 means it spent no more CPU than the CLI.</summary>
    public double CpuRatio(string step, string side = CompareImport.Studio) => Median(side, step, r => r.CpuSeconds) / Median(CompareImport.Cli, step, r => r.CpuSeconds);

    private double Median(string side, string step, Func<CompareImportRun, double> value) =>
        Stats.Median(Runs.Where(r => r.Side == side && r.Step == step).Select(value).ToList());

    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## compare-import — the studio's customer import vs SQLite's CLI, same CSV and schema, alternating runs");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.Append(inv, $"{Rows:N0} customers (the `import` bench's CSV: 8 columns, one custom attribute), each side into a freshly migrated SQLite file ");
        s.AppendLine("(WAL, synchronous=NORMAL, the 9 B-trees of \"Customers\"), then the same file again (every row updated). Studio: `CsvImporter` with the " +
            $"suggested mapping (validation, duplicate check, batches of {CsvImporter.DefaultBatchSize:N0} each committed with its job counters, every line accounted for). " +
            "Peer: `sqlite3` running `bench/peers/import_sqlite3.sql` (`.import` into a staging table, one upsert in e-mail order with the studio's merge rules, one transaction).");
        s.AppendLine();
        s.AppendLine("| pair | side | step | seconds | rows/s | CPU seconds | 1-min load at start |");
        s.AppendLine("|---:|---|---|---:|---:|---:|---:|");
        foreach (var r in Runs)
        {
            s.AppendLine(inv, $"| {r.Pair} | {r.Side} | {r.Step} | {r.Seconds:F2} | {r.RowsPerSecond:N0} | {r.CpuSeconds:F2} | {r.Load} |");
        }

        s.AppendLine();
        foreach (var step in new[] { "first import", "re-import" })
        {
            var ratio = Ratio(step);
            s.AppendLine(inv, $"- **{step}: studio / CLI = {ratio:F2}** (target ≥ 1.0: {(ratio >= 1.0 ? "met" : "not met")}); CPU seconds studio / CLI = {CpuRatio(step):F2} (the studio's include its parsing thread)");
        }

        s.AppendLine();
        s.AppendLine($"Diagnosis, not a product setting: \"{CompareImport.OneTransaction}\" is the same `CsvImporter` with the whole file as one batch " +
            "(one sort by e-mail, one merge, one commit: the CLI's shape, without the guarantee of whole batches after a crash and without parsing beside writing).");
        foreach (var step in new[] { "first import", "re-import" })
        {
            s.AppendLine(inv, $"- {step}: one transaction / CLI = {Ratio(step, CompareImport.OneTransaction):F2}; CPU seconds one transaction / CLI = {CpuRatio(step, CompareImport.OneTransaction):F2}");
        }

        return s.ToString();
    }
}
