using System.Globalization;

namespace CampaignStudio.Bench;

/// <summary>Runs the chosen benchmarks in order and writes each one's section of RESULTS.md.</summary>
public static class BenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Numbers in RESULTS.md read the same whatever the machine's locale.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var options = BenchOptions.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        var repo = RepositoryRoot.Find();
        var machine = await MachineInfo.ReadAsync(repo);
        var results = new ResultsFile(Path.Combine(repo, "bench", "RESULTS.md"));
        Console.WriteLine($"{machine.Cpu} · {machine.Cores} cores · {machine.RamGb:F0} GB · {machine.Os} · {machine.Runtime} · {machine.Commit}");
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var ct = cancel.Token;
        var run = options.Command;
        BenchWorkspace? workspace = null;
        try
        {
            if (run is "import" or "all" || (run == "grid" && options.DatabasePath is null))
            {
                workspace = BenchWorkspace.Create();
                var import = await ImportBenchmark.RunAsync(workspace, options.Rows, options.WhatIf && run != "grid", ct);
                if (run != "grid")
                {
                    Save(options, results, "import", import.ToMarkdown(machine, options));
                }
            }

            if (run is "grid" or "all")
            {
                var dbPath = options.DatabasePath ?? workspace!.DatabasePath;
                var grid = await GridBenchmark.RunAsync(dbPath, options.Runs, ct);
                Save(options, results, "grid", grid.ToMarkdown(machine, options));
            }

            if (run is "coldstart" or "all")
            {
                var coldStart = await ColdStartBenchmark.RunAsync(repo, ct);
                Save(options, results, "coldstart", coldStart.ToMarkdown(machine));
            }

            if (run == "segments")
            {
                workspace = BenchWorkspace.Create();
                var segments = await SegmentsBenchmark.RunAsync(workspace, options.Rows, options.Runs, ct);
                Save(options, results, "segments", segments.ToMarkdown(machine, options));
            }

            if (run == "experiments")
            {
                workspace = BenchWorkspace.Create();
                Save(options, results, "experiments", (await ExperimentsBenchmark.RunAsync(workspace, options.Quick, Math.Min(options.Runs, 10), ct)).ToMarkdown(machine));
            }

            if (run == "postgres")
            {
                // A kept database (--pg) is a working loop, not a result: its data and indexes may be hand-made, so print only.
                Save(options with { Save = options.Save && options.PostgresDatabase is null }, results, "postgres",
                    (await PostgresBenchmark.RunAsync(options.Rows, options.Runs, options.PostgresDatabase, ct)).ToMarkdown(machine, options));
            }

            if (run == "kmeans")
            {
                var sizes = options.Quick ? new[] { 100_000, 10_000 } : new[] { 1_000_000, 100_000 };
                Save(options, results, "kmeans", KMeansBenchmark.Run(sizes, ct).ToMarkdown(machine));
            }

            if (run == "offer-policy")
            {
                var sizes = options.Rows != BenchOptions.FullRows && !options.Quick ? new[] { options.Rows } : options.Quick ? new[] { 50_000 } : new[] { 200_000, 1_000_000 };
                Save(options, results, "offer-policy", OfferPolicyBenchmark.Run(sizes, ct).ToMarkdown(machine));
            }

            if (run == "sequential")
            {
                Save(options, results, "sequential", SequentialBenchmark.Run(options.Quick ? 2_000 : 10_000, ct).ToMarkdown(machine));
            }

            if (run == "predictive")
            {
                Save(options, results, "predictive", PredictiveBenchmark.Run(options.Quick ? 100_000 : 1_000_000, 10, ct).ToMarkdown(machine));
            }

            if (run == "campaigns")
            {
                workspace = BenchWorkspace.Create();
                Save(options, results, "campaigns", (await CampaignsBenchmark.RunAsync(workspace, options.Quick, ct)).ToMarkdown(machine));
            }

            if (run == "dkim")
            {
                workspace = BenchWorkspace.Create();
                Save(options, results, "dkim", (await DkimBenchmark.RunAsync(workspace, options.Quick, Math.Clamp(options.Runs / 2, 2, 5), ct)).ToMarkdown(machine));
            }

            if (run == "bounces")
            {
                workspace = BenchWorkspace.Create();
                Save(options, results, "bounces", (await BouncesBenchmark.RunAsync(workspace, options.Quick, ct)).ToMarkdown(machine));
            }

            if (run == "compare")
            {
                workspace = BenchWorkspace.Create();
                if (options.Compares("import"))
                {
                    Save(options, results, "compare-import", (await CompareImport.RunAsync(repo, workspace, options.Quick ? 100_000 : 1_000_000, options.Runs, ct)).ToMarkdown(machine));
                }

                if (options.Compares("kmeans"))
                {
                    Save(options, results, "compare-kmeans", (await CompareKMeans.RunAsync(repo, options.Quick ? 100_000 : 1_000_000, options.Runs, ct)).ToMarkdown(machine));
                }

                if (options.Compares("send"))
                {
                    // 10,000 customers of whom 95 % are opted in: the 9,500 recipients (--quick: 2,000).
                    Save(options, results, "compare-send", (await CompareSend.RunAsync(workspace, options.Quick ? 2_000 : 10_000, options.Runs, ct)).ToMarkdown(machine));
                }
            }

            if (run == "circuits")
            {
                Save(options, results, "circuits", (await CircuitsBenchmark.RunAsync(repo, options.Quick ? 10 : 50, ct)).ToMarkdown(machine));
            }

            if (run == "events")
            {
                workspace = BenchWorkspace.Create();
                Save(options, results, "events", (await EventsBenchmark.RunAsync(repo, workspace, options.Rows, options.Quick, ct)).ToMarkdown(machine));
            }

            if (run == "flows")
            {
                // Issue 15 asks for 1,000,000 customers; --quick takes 50,000 (the phases need 12,000 distinct carts).
                workspace = BenchWorkspace.Create();
                Save(options, results, "flows", (await FlowsBenchmark.RunAsync(repo, workspace, options.Quick ? 50_000 : options.Rows, options.Quick, ct)).ToMarkdown(machine));
            }

            if (run == "cluster-send")
            {
                Save(options, results, "cluster-send", (await ClusterSendBenchmark.RunAsync(options.Quick, ct)).ToMarkdown(machine));
            }

            return 0;
        }
        finally
        {
            if (workspace is not null)
            {
                if (options.Keep)
                {
                    Console.WriteLine($"Kept {workspace.Folder}; reuse it with: grid --db {workspace.DatabasePath}");
                }
                else
                {
                    workspace.Delete();
                }
            }
        }
    }

    private static void Save(BenchOptions options, ResultsFile results, string section, string markdown)
    {
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (options.Save)
        {
            results.Write(section, markdown);
            Console.WriteLine($"→ wrote section '{section}' of {results.Path}");
        }
    }
}
