using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Bench;

/// <summary>
/// The segment builder's live count: a SQLite file with N customers and ~10 purchases each (generated in SQL with a
/// recursive CTE, indexes built afterwards), a timed <see cref="CustomerStatsRefresher.RefreshAllAsync"/>, then the
/// count of a 3-condition rule through <see cref="SegmentQueryCompiler"/>, with the purchase condition read from the
/// stats (no window) and from the purchases (90-day window).
/// </summary>
public static class SegmentsBenchmark
{
    public const double TargetMilliseconds = 300;

    internal static readonly DateTime Now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    public static async Task<SegmentsResult> RunAsync(BenchWorkspace workspace, int customers, int runs, CancellationToken ct)
    {
        var dbPath = workspace.DatabasePath;
        var timer = new CommandTimer();
        var factory = BenchDatabase.Factory(dbPath, timer);
        await Data.DatabaseMigrator.MigrateAsync(factory, ct);

        Console.WriteLine($"segments: generating {customers:N0} customers and ~{customers * 10L:N0} purchases in {dbPath}");
        var build = Stopwatch.StartNew();
        var purchases = await GenerateAsync(dbPath, customers, ct);
        build.Stop();
        Console.WriteLine($"segments: {purchases:N0} purchases generated and indexed in {build.Elapsed.TotalSeconds:F1} s");

        var refresh = Stopwatch.StartNew();
        var statsRows = await new CustomerStatsRefresher(factory, new FixedTime(Now)).RefreshAllAsync(ct);
        refresh.Stop();
        Console.WriteLine($"segments: stats refresh of {statsRows:N0} customers in {refresh.Elapsed.TotalSeconds:F1} s");

        var results = await TimeCountsAsync(factory, timer, runs, (command, token) => QueryPlan.ExplainAsync(dbPath, command, token), ct);
        SqliteConnection.ClearAllPools();
        return new SegmentsResult(customers, purchases, build.Elapsed, refresh.Elapsed, runs, results);
    }

    /// <summary>The three rules' live counts on any database the factory opens; <paramref name="explain"/> gives the COUNT's plan.</summary>
    public static async Task<List<CountResult>> TimeCountsAsync(IDbContextFactory<Data.AppDbContext> factory, CommandTimer timer, int runs,
        Func<CapturedCommand, CancellationToken, Task<string>> explain, CancellationToken ct)
    {
        var rules = new (string Label, SegmentRule Rule)[]
        {
            ("e-mail consent is OptedIn AND total spent ≥ 100 AND country is one of Germany, Austria (stats, no window)", Rule(days: null)),
            ("the same with total spent ≥ 100 in the last 90 days (purchases, window)", Rule(days: 90)),
            ("e-mail consent is OptedIn AND RFM recency ≥ 4 AND country is one of Germany, Austria", new SegmentRule
            {
                Root = new RuleGroup(GroupOperator.And,
                [
                    new RuleCondition(F.EmailConsent, EqualTo) { Value = nameof(ConsentStatus.OptedIn) },
                    new RuleCondition(F.RfmRecency, AtLeast) { Value = "4" },
                    new RuleCondition(F.Country, In) { Values = ["Germany", "Austria"] },
                ]),
            }),
        };

        var results = new List<CountResult>();
        foreach (var (label, rule) in rules)
        {
            var times = new List<double>();
            var cpuTimes = new List<double>();
            var count = 0;
            string plan = "";
            for (var i = 0; i <= runs; i++)
            {
                timer.Clear();
                var watch = Stopwatch.StartNew();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    // As the builder does on every edit: compile the rule, then count its members.
                    var members = await new SegmentQueryCompiler(db, new FixedTime(Now)).MembersAsync(rule, ct: ct);
                    count = await members.CountAsync(ct);
                }

                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
                }
                else if (timer.Commands.LastOrDefault() is { } command)
                {
                    plan = await explain(command, ct);
                }
            }

            var result = new CountResult(label, count, Stats.Median(times), Stats.Percentile(times, 95), Stats.Median(cpuTimes), plan);
            Console.WriteLine($"segments: {label}: {count:N0} members, median {result.MedianMs:F1} ms, p95 {result.P95Ms:F1} ms, CPU {result.MedianCpuMs:F1} ms");
            results.Add(result);
        }

        return results;
    }

    private static SegmentRule Rule(int? days) => new()
    {
        Root = new RuleGroup(GroupOperator.And,
        [
            new RuleCondition(F.EmailConsent, EqualTo) { Value = nameof(ConsentStatus.OptedIn) },
            new RuleCondition(F.PurchaseTotal, AtLeast) { Value = "100", Days = days },
            new RuleCondition(F.Country, In) { Values = ["Germany", "Austria"] },
        ]),
    };

    /// <summary>
    /// Fills the tables in SQL: customers 1..N with a country, consent and dates from a multiplicative hash of the id;
    /// purchases per customer 0, 1, 3, 8, 18 or 48 (5/30/20/20/15/10 %, mean 10) with hashed amounts, categories and
    /// dates over two years, written in customer order. The purchase indexes are dropped first and rebuilt afterwards.
    /// </summary>
    private static async Task<long> GenerateAsync(string dbPath, int customers, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;", ct);

        var indexes = new List<string>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('Customers', 'Purchases') AND sql IS NOT NULL";
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                indexes.Add(reader.GetString(0));
            }
        }

        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            foreach (var name in indexes.Select(IndexName))
            {
                await ExecuteAsync(connection, $"DROP INDEX \"{name}\"", ct);
            }

            var now = Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            await ExecuteAsync(connection, $"""
                WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {customers})
                INSERT INTO "Customers" ("Id", "Email", "Country", "City", "EmailConsent", "CreatedAt", "UpdatedAt", "IsErased")
                SELECT n, 'customer' || n || '@example.com',
                       CASE (n * 2654435761) % 10 WHEN 0 THEN 'Germany' WHEN 1 THEN 'Germany' WHEN 2 THEN 'Austria' WHEN 3 THEN 'France'
                            WHEN 4 THEN 'Italy' WHEN 5 THEN 'Spain' WHEN 6 THEN 'Netherlands' WHEN 7 THEN 'Poland' WHEN 8 THEN 'Sweden' ELSE 'Denmark' END,
                       'City ' || ((n * 40503) % 200),
                       CASE (n * 69069) % 5 WHEN 0 THEN 'Unknown' WHEN 1 THEN 'Pending' WHEN 2 THEN 'OptedIn' WHEN 3 THEN 'OptedIn' ELSE 'OptedOut' END,
                       strftime('%Y-%m-%d %H:%M:%S', '{now}', '-' || ((n * 7919) % 1000) || ' days'),
                       '{now}', 0
                FROM seq
                """, ct);

            await ExecuteAsync(connection, """
                CREATE TEMP TABLE k(i INTEGER PRIMARY KEY);
                WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 48) INSERT INTO k SELECT n FROM seq;
                """, ct);
            await ExecuteAsync(connection, $"""
                INSERT INTO "Purchases" ("CustomerId", "OrderId", "Amount", "Currency", "Category", "PurchasedAt", "SourceKey")
                SELECT c."Id", 'O-' || c."Id" || '-' || k.i,
                       5 + ((c."Id" * 31 + k.i * 7919) % 20000) / 100.0,
                       'EUR',
                       CASE (c."Id" + k.i) % 6 WHEN 0 THEN 'Books' WHEN 1 THEN 'Shoes' WHEN 2 THEN 'Electronics' WHEN 3 THEN 'Garden' WHEN 4 THEN 'Toys' ELSE 'Food' END,
                       strftime('%Y-%m-%d %H:%M:%S', '{now}', '-' || ((c."Id" * 13 + k.i * 104729) % 730) || ' days', '-' || ((c."Id" * 7 + k.i * 31) % 86400) || ' seconds'),
                       'O-' || c."Id" || '-' || k.i
                FROM "Customers" AS c
                JOIN k ON k.i <= CASE
                    WHEN (c."Id" * 2654435761) % 1000003 < 50000 THEN 0
                    WHEN (c."Id" * 2654435761) % 1000003 < 350000 THEN 1
                    WHEN (c."Id" * 2654435761) % 1000003 < 550000 THEN 3
                    WHEN (c."Id" * 2654435761) % 1000003 < 750000 THEN 8
                    WHEN (c."Id" * 2654435761) % 1000003 < 900000 THEN 18
                    ELSE 48 END
                ORDER BY c."Id", k.i
                """, ct);

            foreach (var sql in indexes)
            {
                await ExecuteAsync(connection, sql, ct);
            }

            await tx.CommitAsync(ct);
        }

        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM \"Purchases\"";
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    private static string IndexName(string createSql)
    {
        var start = createSql.IndexOf('"', StringComparison.Ordinal) + 1;
        return createSql[start..createSql.IndexOf('"', start)];
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }

    internal sealed class FixedTime(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}

/// <param name="MedianCpuMs">CPU time the process spent per count: on a shared machine closer to the quiet-machine wall time than the wall time is.</param>
public sealed record CountResult(string Label, int Members, double MedianMs, double P95Ms, double MedianCpuMs, string Plan)
{
    public bool Met => MedianMs < SegmentsBenchmark.TargetMilliseconds;
}

public sealed record SegmentsResult(int Customers, long Purchases, TimeSpan Build, TimeSpan Refresh, int Runs, IReadOnlyList<CountResult> Counts)
{
    public string ToMarkdown(MachineInfo machine, BenchOptions options)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"## segments — live count over {Customers:N0} customers / {Purchases:N0} purchases ({options.SizeLabel})");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine(inv, $"Database generated in SQL (recursive CTE, purchase indexes rebuilt afterwards) in {Build.TotalSeconds:F1} s. " +
            $"Per customer 0, 1, 3, 8, 18 or 48 purchases (5/30/20/20/15/10 %), amounts 5–205 €, dates over two years.");
        s.AppendLine();
        s.AppendLine(inv, $"**Stats refresh** (`CustomerStatsRefresher.RefreshAllAsync`: DELETE + INSERT … SELECT with GROUP BY and three NTILE(5) windows, one transaction): **{Refresh.TotalSeconds:F1} s**.");
        s.AppendLine();
        s.AppendLine(inv, $"Live count = compile the rule with `SegmentQueryCompiler` and `MembersAsync(...).CountAsync()` on a fresh context, one warm-up then {Runs} timed runs:");
        s.AppendLine();
        s.AppendLine("| rule | members | median ms | p95 ms | median CPU ms | < 300 ms? |");
        s.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var c in Counts)
        {
            s.AppendLine(inv, $"| {c.Label} | {c.Members:N0} | **{c.MedianMs:F1}** | {c.P95Ms:F1} | {c.MedianCpuMs:F1} | {(c.Met ? "met" : "**not met**")} |");
        }

        s.AppendLine();
        s.AppendLine("<details><summary>SQLite query plans (EXPLAIN QUERY PLAN of the COUNT EF sent)</summary>");
        s.AppendLine();
        foreach (var c in Counts)
        {
            s.AppendLine(inv, $"- **{c.Label}**: `{c.Plan}`");
        }

        s.AppendLine();
        s.AppendLine("</details>");
        s.AppendLine();
        var fast = Counts[0];
        var verdict = fast.Met ? "**met**" : "**not met**";
        s.AppendLine(inv, $"**Verdict:** live count of a 3-condition rule with a purchase aggregate < {SegmentsBenchmark.TargetMilliseconds:F0} ms — {verdict} " +
            $"(median {fast.MedianMs:F0} ms, p95 {fast.P95Ms:F0} ms) when the aggregate has no window and reads the stats; " +
            $"with a 90-day window it reads the purchases: median {Counts[1].MedianMs:F0} ms.");
        return s.ToString();
    }
}
