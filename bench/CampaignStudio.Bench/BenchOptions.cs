using System.Globalization;

namespace CampaignStudio.Bench;

/// <summary>The command line: a subcommand and a few options shared by all benchmarks.</summary>
public sealed record BenchOptions(string Command, bool Quick, int Rows, string? DatabasePath, bool Keep, bool Save, int Runs, bool WhatIf, string? Only = null, string? PostgresDatabase = null)
{
    public const int FullRows = 1_000_000;
    public const int QuickRows = 100_000;

    public static readonly string[] Commands = ["import", "grid", "coldstart", "segments", "kmeans", "offer-policy", "experiments", "predictive", "postgres", "campaigns", "cluster-send", "dkim", "bounces", "sequential", "compare", "circuits", "events", "flows", "all"];

    public static string Usage => """
        CampaignStudio benchmarks (Stopwatch harness; results go to bench/RESULTS.md)

          dotnet run -c Release --project bench/CampaignStudio.Bench -- <command> [options]

        commands:
          import      generate a customers CSV and time CsvImporter (first import, then re-import = upsert path)
          grid        time the customers grid queries (CustomerService.QueryAsync) on the imported database
          coldstart   time process start to first page served with the demo data (fresh database, then seeded)
          segments    generate customers and purchases (10 per customer on average) in SQL, time the stats refresh
                      and the segment builder's live count of a 3-condition rule with a purchase aggregate
          postgres    segments' live count and the grid's queries on PostgreSQL (a server started like the tests'; see PostgresBenchmark)
          offer-policy which offer for whom: policy training time and captured share at 200,000 and 1,000,000 customers (--quick: 50,000; --rows n: one size)
          kmeans      k-means (k = 8) on 8 customer features: 1,000,000 and 100,000 customers (--quick: 100,000 and 10,000)
          experiments Hillstrom (64,000) import + analysis, uplift training time per learner, analysis of a 1,000,000-customer experiment (--quick: 100,000, 30 trees)
          predictive  BG/NBD + Gamma-Gamma fit and scoring of 1,000,000 simulated customers; recommendations for 1,000,000
                      customers / 10,000,000 purchases (--quick: 100,000 customers)
          campaigns   render 1,000,000 personalised messages, send 100,000 through the pipeline to smtp-sink, launch 1,000,000 recipients
                      (--quick: 100,000 / 10,000 / 100,000)
          cluster-send send 50,000 on PostgreSQL with one send worker, then two (as two instances), then two under a shared
                      per-second limit (--quick: 10,000)
          dkim        send rate with DKIM signing off vs on, alternating runs of 20,000 (--quick: 5,000; --runs 2n: n pairs, default 3),
                      and the signing step alone (the studio's signer vs MimeKit's stock one)
          bounces     read 2,000 real postfix DSNs from a dovecot IMAP mailbox in one pass: DSNs/s with the policy applied (--quick: 500)
          sequential  A/A experiments looked at daily for 30 days: naive vs sequential false winners, coverage, sequential SRM
                      (10,000 per shape; --quick: 2,000)
          compare     issue 17's side-by-side figures, each against its peer on the same input, alternating runs (--runs n pairs,
                      default 3): import of 1,000,000 customers vs the sqlite3 CLI on the same CSV and schema; k-means
                      1,000,000 x 8, one start, vs Debian's scikit-learn (--quick: 100,000 each); send 9,500 through the whole
                      pipeline vs a bare MailKit loop, 8 connections to smtp-sink (--quick: 1,900); --only import|kmeans|send
          circuits    managed memory a Blazor circuit holds with the dashboard open: the studio on Kestrel in-process, Chromium
                      opening 1 then 50 dashboards (--quick: 10); CAMPAIGNSTUDIO_GCDUMP=<dotnet-gcdump> also dumps the heap
          events      events ingested per second through POST /api/events (the built web app as its own process) at 1,000,000
                      customers, batches of 100 and of 1,000, 2 client tasks, 200,000 events each (--quick: 100,000 / 20,000)
          flows       events to mail through a live abandoned-cart-like flow (the built web app as its own process, flow engine and
                      send worker on defaults, smtp-sink): cart_abandoned posted to POST /api/events at 200/s then 1,000/s for 60 s
                      each at 1,000,000 customers; ingested/s, sends/s, event→send delay p50/p95 (--quick: 50,000 customers,
                      100/s then 300/s for 30 s)
          all         import, grid (on the same database), coldstart (segments and kmeans run on their own)

        options:
          --quick         10x smaller: 100,000 rows instead of 1,000,000
          --rows <n>      exact row count for import/grid
          --db <path>     grid: use this SQLite file (from `import --keep`) instead of importing first
          --keep          import: keep the temp folder with the CSV and database and print its path
          --runs <n>      grid: timed runs per query (default 20); segments: per rule (default 10)
          --what-if       import: also time the first import with a 256 MB page cache and without the grid indexes
          --no-save       print only; leave bench/RESULTS.md alone
          --only <name>   compare: one comparison only (import, kmeans or send)
          --pg <conn>     postgres: time on this kept database (a connection string) instead of a fresh server: it is
                          migrated, filled only when it has no customers, refreshed only when it has no stats, never dropped;
                          printed only
        """;

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || !Commands.Contains(args[0]))
        {
            return null;
        }

        var quick = false;
        int? rows = null;
        string? db = null;
        var keep = false;
        var save = true;
        int? runs = null;
        var whatIf = false;
        string? only = null;
        string? pg = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--keep": keep = true; break;
                case "--no-save": save = false; break;
                case "--what-if": whatIf = true; break;
                case "--rows" when i + 1 < args.Length: rows = int.Parse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                case "--runs" when i + 1 < args.Length: runs = int.Parse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                case "--db" when i + 1 < args.Length: db = Path.GetFullPath(args[++i]); break;
                case "--pg" when i + 1 < args.Length: pg = args[++i]; break;
                case "--only" when i + 1 < args.Length && args[i + 1] is "import" or "kmeans" or "send": only = args[++i]; break;
                default: return null;
            }
        }

        return new BenchOptions(args[0], quick, rows ?? (quick ? QuickRows : FullRows), db, keep, save, Math.Max(1, runs ?? (args[0] switch { "segments" => 10, "dkim" => 6, "compare" => 3, _ => 20 })), whatIf, only, pg);
    }

    /// <summary>Whether the compare command runs this comparison (all of them without --only).</summary>
    public bool Compares(string name) => Only is null || Only == name;

    /// <summary>How the size is written in RESULTS.md, so a quick run is never mistaken for the real one.</summary>
    public string SizeLabel => Rows == FullRows ? "full size" : Quick && Rows == QuickRows ? "--quick" : "custom size";
}
