using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CampaignStudio.Bench;

/// <summary>
/// The segment live count and the customers grid on PostgreSQL: the same timed code as <c>segments</c> and <c>grid</c>
/// (<see cref="SegmentsBenchmark.TimeCountsAsync"/>, <see cref="GridBenchmark.RunAsync(Microsoft.EntityFrameworkCore.IDbContextFactory{AppDbContext}, CommandTimer, string, Func{CapturedCommand, CancellationToken, Task{string}}, int, CancellationToken)"/>)
/// with the provider switched. The server is the tests' <see cref="PostgresServer"/> (Debian's binaries started on a free
/// port, fsync off); the database is migrated with the real PostgreSQL migrations and filled in SQL with
/// <c>generate_series</c>: the segments benchmark's customers and purchases, plus names and e-mails for the grid's searches.
/// </summary>
public static class PostgresBenchmark
{
    private static readonly string[] FirstNames = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Lea", "Lukas", "Marie", "Noah", "Paul", "Sophie", "Theo", "Mia", "Elias", "Lina", "Finn"];
    private static readonly string[] LastNames = ["Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Hartmann", "Krüger"];

    /// <param name="keptDatabase">
    /// A connection string to a database kept between runs (<c>--pg</c>), for a quick loop while working on a query: it is
    /// migrated, filled and refreshed only when empty, and left in place. Null: a fresh server and database, dropped afterwards.
    /// </param>
    public static async Task<PostgresResult> RunAsync(int customers, int runs, string? keptDatabase, CancellationToken ct)
    {
        if (keptDatabase is not null)
        {
            await DatabaseMigrator.MigrateAsync(BenchDatabase.Postgres(keptDatabase), ct);
            return await RunAsync(keptDatabase, customers, runs, ct);
        }

        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_" + customers);
        try
        {
            return await RunAsync(connectionString, customers, runs, ct);
        }
        finally
        {
            await server.DropDatabaseAsync(connectionString);
            server.Stop();
        }
    }

    private static async Task<PostgresResult> RunAsync(string connectionString, int customers, int runs, CancellationToken ct)
    {
        var timer = new CommandTimer();
        var factory = BenchDatabase.Postgres(connectionString, timer);

        var build = Stopwatch.StartNew();
        long purchases;
        if (await CountAsync(connectionString, "Customers", ct) == 0)
        {
            Console.WriteLine($"postgres: generating {customers:N0} customers and ~{customers * 10L:N0} purchases on {new NpgsqlConnectionStringBuilder(connectionString).Port}");
            purchases = await GenerateAsync(connectionString, customers, ct);
            Console.WriteLine($"postgres: {purchases:N0} purchases generated, indexed and analysed in {build.Elapsed.TotalSeconds:F1} s");
        }
        else
        {
            customers = (int)await CountAsync(connectionString, "Customers", ct);
            purchases = await CountAsync(connectionString, "Purchases", ct);
            Console.WriteLine($"postgres: reusing the kept database ({customers:N0} customers, {purchases:N0} purchases)");
        }

        build.Stop();
        var refresh = Stopwatch.StartNew();
        if (await CountAsync(connectionString, "CustomerStats", ct) == 0)
        {
            var statsRows = await new CustomerStatsRefresher(factory, new SegmentsBenchmark.FixedTime(SegmentsBenchmark.Now)).RefreshAllAsync(ct);
            Console.WriteLine($"postgres: stats refresh of {statsRows:N0} customers in {refresh.Elapsed.TotalSeconds:F1} s");
            await ExecuteAsync(connectionString, "VACUUM ANALYZE \"CustomerStats\"", ct);
        }

        refresh.Stop();
        Task<string> Explain(CapturedCommand command, CancellationToken token) => ExplainAsync(connectionString, command, token);
        var counts = await SegmentsBenchmark.TimeCountsAsync(factory, timer, Math.Min(runs, 10), Explain, ct);
        var grid = await GridBenchmark.RunAsync(factory, timer, "PostgreSQL", Explain, runs, ct);
        var version = await ScalarAsync(connectionString, "SHOW server_version", ct);
        return new PostgresResult(version, customers, purchases, build.Elapsed, refresh.Elapsed, Math.Min(runs, 10), counts, grid);
    }

    private static async Task<long> CountAsync(string connectionString, string table, CancellationToken ct) =>
        Convert.ToInt64(await ScalarAsync(connectionString, $"SELECT COUNT(*) FROM \"{table}\"", ct), CultureInfo.InvariantCulture);

    /// <summary>
    /// Customers 1..N and their purchases with the same hashed values as the SQLite <c>segments</c> benchmark (so the member
    /// counts can be compared), plus first and last names (every pairing occurs) and name-based e-mails. Secondary indexes are dropped during the
    /// load and rebuilt after it, then the tables are vacuumed and analysed (as autovacuum would after a bulk load).
    /// </summary>
    private static async Task<long> GenerateAsync(string connectionString, int customers, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var indexes = new List<(string Name, string Definition)>();
        await using (var read = new NpgsqlCommand("""
            SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename IN ('Customers', 'Purchases') AND indexname NOT LIKE 'PK_%'
            """, connection))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX \"{name}\"", ct);
        }

        const string now = "timestamptz '2026-06-15 12:00:00+00'";
        string Array(string[] values) => "ARRAY[" + string.Join(", ", values.Select(v => $"'{v}'")) + "]";
        await ExecuteAsync(connection, $"""
            INSERT INTO "Customers" ("Id", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City", "EmailConsent", "CreatedAt", "UpdatedAt", "IsErased")
            SELECT n, lower(x.f) || '.' || lower(x.l) || n || '@example.com', x.f, x.l, lower(x.f), lower(x.l),
                   CASE (n * 2654435761) % 10 WHEN 0 THEN 'Germany' WHEN 1 THEN 'Germany' WHEN 2 THEN 'Austria' WHEN 3 THEN 'France'
                        WHEN 4 THEN 'Italy' WHEN 5 THEN 'Spain' WHEN 6 THEN 'Netherlands' WHEN 7 THEN 'Poland' WHEN 8 THEN 'Sweden' ELSE 'Denmark' END,
                   'City ' || ((n * 40503) % 200),
                   CASE (n * 69069) % 5 WHEN 0 THEN 'Unknown' WHEN 1 THEN 'Pending' WHEN 2 THEN 'OptedIn' WHEN 3 THEN 'OptedIn' ELSE 'OptedOut' END,
                   {now} - ((n * 7919) % 1000) * interval '1 day', {now}, false
            FROM generate_series(1::bigint, {customers}::bigint) AS n
            CROSS JOIN LATERAL (SELECT ({Array(FirstNames)})[1 + (n * 7) % {FirstNames.Length}] AS f,
                                       ({Array(LastNames)})[1 + (n / {FirstNames.Length}) % {LastNames.Length}] AS l) AS x
            """, ct);
        await ExecuteAsync(connection, $"""
            INSERT INTO "Purchases" ("CustomerId", "OrderId", "Amount", "Currency", "Category", "PurchasedAt", "SourceKey")
            SELECT c.n, 'O-' || c.n || '-' || k.i, 5 + ((c.n * 31 + k.i * 7919) % 20000) / 100.0, 'EUR',
                   (ARRAY['Books', 'Shoes', 'Electronics', 'Garden', 'Toys', 'Food'])[1 + (c.n + k.i) % 6],
                   {now} - ((c.n * 13 + k.i * 104729) % 730) * interval '1 day' - ((c.n * 7 + k.i * 31) % 86400) * interval '1 second',
                   'O-' || c.n || '-' || k.i
            FROM generate_series(1::bigint, {customers}::bigint) AS c(n)
            JOIN generate_series(1::bigint, 48::bigint) AS k(i) ON k.i <= CASE
                WHEN (c.n * 2654435761) % 1000003 < 50000 THEN 0
                WHEN (c.n * 2654435761) % 1000003 < 350000 THEN 1
                WHEN (c.n * 2654435761) % 1000003 < 550000 THEN 3
                WHEN (c.n * 2654435761) % 1000003 < 750000 THEN 8
                WHEN (c.n * 2654435761) % 1000003 < 900000 THEN 18
                ELSE 48 END
            ORDER BY c.n, k.i
            """, ct);

        foreach (var (_, definition) in indexes)
        {
            await ExecuteAsync(connection, definition, ct);
        }

        // Explicit ids were written: move the sequence on, as the move tool does.
        await ExecuteAsync(connection, """SELECT setval(pg_get_serial_sequence('"Customers"', 'Id'), (SELECT MAX("Id") FROM "Customers"))""", ct);
        await ExecuteAsync(connection, """VACUUM ANALYZE "Customers" """, ct);
        await ExecuteAsync(connection, """VACUUM ANALYZE "Purchases" """, ct);
        return Convert.ToInt64(await ScalarAsync(connectionString, """SELECT COUNT(*) FROM "Purchases" """, ct), CultureInfo.InvariantCulture);
    }

    /// <summary>PostgreSQL's plan (EXPLAIN, not run) of a captured EF command, on one line.</summary>
    private static async Task<string> ExplainAsync(string connectionString, CapturedCommand command, CancellationToken ct)
    {
        if (command.Sql.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase))
        {
            return "(the planner's estimate: EXPLAIN only, no rows read)";
        }

        // With the studio's connection settings (JIT off), so the plan is the one the timed query ran.
        await using var connection = new NpgsqlConnection(DependencyInjection.WithoutJit(connectionString));
        await connection.OpenAsync(ct);
        await using var explain = new NpgsqlCommand("EXPLAIN " + command.Sql, connection);
        foreach (var (name, value) in command.Parameters)
        {
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            lines.Add(System.Text.RegularExpressions.Regex.Replace(reader.GetString(0).Trim(), @"\s*\(cost=[^)]*\)", ""));
        }

        return string.Join("; ", lines);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, sql, ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture)!;
    }
}

public sealed record PostgresResult(string ServerVersion, int Customers, long Purchases, TimeSpan Build, TimeSpan Refresh, int CountRuns,
    IReadOnlyList<CountResult> Counts, GridResult Grid)
{
    public string ToMarkdown(MachineInfo machine, BenchOptions options)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"## postgres — segment live count and customers grid on PostgreSQL {ServerVersion}, {Customers:N0} customers / {Purchases:N0} purchases ({options.SizeLabel})");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine(inv, $"Server: Debian's PostgreSQL started by the tests' `PostgresServer` on the same machine (shared_buffers 128 MB, fsync off — reads are what is timed). " +
            $"Data generated in SQL with `generate_series` (same hashed customers and purchases as `segments`, plus names), indexes rebuilt, `VACUUM ANALYZE`: {Build.TotalSeconds:F1} s.");
        s.AppendLine();
        s.AppendLine(inv, $"**Stats refresh** (`CustomerStatsRefresher.RefreshAllAsync`, same SQL as on SQLite): **{Refresh.TotalSeconds:F1} s**.");
        s.AppendLine();
        s.AppendLine(inv, $"Segment live count (`SegmentQueryCompiler` + `CountAsync` on a fresh context; one warm-up, {CountRuns} timed runs):");
        s.AppendLine();
        s.AppendLine("| rule | members | median ms | p95 ms | < 300 ms? |");
        s.AppendLine("|---|---:|---:|---:|---|");
        foreach (var c in Counts)
        {
            s.AppendLine(inv, $"| {c.Label} | {c.Members:N0} | **{c.MedianMs:F1}** | {c.P95Ms:F1} | {(c.Met ? "met" : "**not met**")} |");
        }

        s.AppendLine();
        s.AppendLine(inv, $"Customers grid (`CustomerService.QueryAsync` as a Marketer, page size 25; one warm-up, {Grid.Runs} timed runs; COUNT and page timed apart):");
        s.AppendLine();
        s.AppendLine("| query | median ms | p95 ms | COUNT ms (median) | page ms (median) | matches | < 100 ms? |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var q in Grid.Queries)
        {
            s.AppendLine(inv, $"| {q.Label} | **{q.MedianMs:F1}** | {q.P95Ms:F1} | {q.CountMedianMs:F1} | {q.PageMedianMs:F1} | {q.Total:N0} | {(q.Met ? "met" : "**not met**")} |");
        }

        s.AppendLine();
        s.AppendLine("<details><summary>PostgreSQL plans (EXPLAIN of the SQL EF sent)</summary>");
        s.AppendLine();
        foreach (var c in Counts)
        {
            s.AppendLine(inv, $"- **{c.Label}**: `{c.Plan}`");
        }

        foreach (var q in Grid.Queries)
        {
            s.AppendLine(inv, $"- **grid: {q.Label}**");
            for (var i = 0; i < q.Plans.Count; i++)
            {
                s.AppendLine(inv, $"  - {(i == 0 ? "COUNT" : "page")}: `{q.Plans[i]}`");
            }
        }

        s.AppendLine();
        s.AppendLine("</details>");
        s.AppendLine();
        var countsMet = Counts[0].Met;
        var gridMissed = Grid.Queries.Where(q => !q.Met).ToList();
        var gridVerdict = gridMissed.Count == 0
            ? "**met** for every query."
            : string.Create(inv, $"**not met** for {gridMissed.Count} of {Grid.Queries.Count}: {string.Join("; ", gridMissed.Select(q => string.Create(inv, $"{q.Label} (p95 {q.P95Ms:F0} ms)")))}.");
        var verdict = string.Create(inv, $"**Verdict:** live count with a purchase aggregate (stats) < 300 ms — {(countsMet ? "**met**" : "**not met**")} (median {Counts[0].MedianMs:F0} ms); ")
            + string.Create(inv, $"90-day window: median {Counts[1].MedianMs:F0} ms. Grid < 100 ms at p95 — ") + gridVerdict;
        s.AppendLine(verdict);
        return s.ToString();
    }
}
