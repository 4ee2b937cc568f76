using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Bench;

/// <summary>
/// The customers grid's queries through the real <see cref="CustomerService"/> (COUNT + page, as the grid asks),
/// as a Marketer, on the database the import benchmark filled.
/// </summary>
public static class GridBenchmark
{
    public const double TargetMilliseconds = 100;

    public static readonly (string Label, CustomerQuery Query)[] Queries =
    [
        ("first page (default order: newest first)", new CustomerQuery()),
        ("sorted by name", new CustomerQuery(SortBy: "name")),
        ("sorted by e-mail, descending", new CustomerQuery(SortBy: "email", Descending: true)),
        ("page 100 sorted by country", new CustomerQuery(SortBy: "country", Page: 100)),
        ("search last-name prefix \"schm\"", new CustomerQuery(Search: "schm")),
        ("search e-mail prefix \"anna.m\"", new CustomerQuery(Search: "anna.m")),
    ];

    public static async Task<GridResult> RunAsync(string dbPath, int runs, CancellationToken ct)
    {
        if (!File.Exists(dbPath))
        {
            throw new FileNotFoundException($"No database at {dbPath}: run `import --keep` first or use `all`.", dbPath);
        }

        var timer = new CommandTimer();
        var result = await RunAsync(BenchDatabase.Factory(dbPath, timer), timer, dbPath, (command, token) => QueryPlan.ExplainAsync(dbPath, command, token), runs, ct);
        SqliteConnection.ClearAllPools();
        return result;
    }

    /// <summary>The timed queries on any database the factory opens (SQLite or PostgreSQL); <paramref name="explain"/> gives each command's plan.</summary>
    public static async Task<GridResult> RunAsync(IDbContextFactory<Data.AppDbContext> factory, CommandTimer timer, string where,
        Func<CapturedCommand, CancellationToken, Task<string>> explain, int runs, CancellationToken ct)
    {
        // The grid caches the unfiltered total for a few seconds; the cache is emptied before every timed run,
        // so these numbers are the cold case (every call counts), not the cache hit a paging user mostly sees.
        var countCache = new CustomerCountCache(TimeProvider.System);
        var service = new CustomerService(factory, MarketerUser(), countCache);
        long customers;
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            customers = await db.Customers.LongCountAsync(ct);
        }

        Console.WriteLine($"grid: {customers:N0} customers in {where}; {runs} runs per query after one warm-up");
        var results = new List<GridQueryResult>();
        foreach (var (label, query) in Queries)
        {
            var page = await service.QueryAsync(query, ct);
            var totals = new List<double>();
            var counts = new List<double>();
            var pages = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                timer.Clear();
                countCache.Invalidate();
                var watch = Stopwatch.StartNew();
                page = await service.QueryAsync(query, ct);
                totals.Add(watch.Elapsed.TotalMilliseconds);
                if (timer.Commands.Count == 2)
                {
                    counts.Add(timer.Commands[0].Milliseconds);
                    pages.Add(timer.Commands[1].Milliseconds);
                }
            }

            var commands = timer.Commands.ToList();
            var plans = new List<string>();
            foreach (var command in commands)
            {
                plans.Add(await explain(command, ct));
            }

            var result = new GridQueryResult(label, query, page.Items.Count, page.Total, Stats.Median(totals), Stats.Percentile(totals, 95),
                counts.Count > 0 ? Stats.Median(counts) : double.NaN, pages.Count > 0 ? Stats.Median(pages) : double.NaN, commands, plans);
            Console.WriteLine($"grid: {label}: median {result.MedianMs:F1} ms, p95 {result.P95Ms:F1} ms (count {result.CountMedianMs:F1} ms, page {result.PageMedianMs:F1} ms); " +
                $"{result.Items} rows of {result.Total:N0}");
            results.Add(result);
        }

        return new GridResult(customers, runs, results);
    }

    /// <summary>A Marketer as the grid sees one; authorization goes through the studio's real CanRead policy.</summary>
    private static CurrentUser MarketerUser()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddHttpContextAccessor()
            .AddAuthorizationCore(options =>
            {
                options.AddPolicy(Policies.CanRead, p => p.RequireRole(Roles.Admin, Roles.Marketer, Roles.Manager));
                options.AddPolicy(Policies.CanEdit, p => p.RequireRole(Roles.Admin, Roles.Marketer));
                options.AddPolicy(Policies.CanAdminister, p => p.RequireRole(Roles.Admin));
            })
            .BuildServiceProvider();
        var user = new CurrentUser(services.GetRequiredService<IHttpContextAccessor>(), services, services.GetRequiredService<IAuthorizationService>());
        user.Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bench@marketer.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "bench")));
        return user;
    }
}

public sealed record GridQueryResult(string Label, CustomerQuery Query, int Items, int Total, double MedianMs, double P95Ms, double CountMedianMs,
    double PageMedianMs, IReadOnlyList<CapturedCommand> Commands, IReadOnlyList<string> Plans)
{
    public bool Met => P95Ms < GridBenchmark.TargetMilliseconds;
}

public sealed record GridResult(long Customers, int Runs, IReadOnlyList<GridQueryResult> Queries)
{
    public string ToMarkdown(MachineInfo machine, BenchOptions options)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var size = options.DatabasePath is null ? options.SizeLabel : "database from --db";
        s.AppendLine(inv, $"## grid — customers grid queries over {Customers:N0} customers ({size})");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine(inv, $"`CustomerService.QueryAsync` as a Marketer (page size 25), one warm-up then {Runs} timed runs each. Every call runs two SQL " +
            $"commands: a COUNT of the matching customers (for the pager) and the page itself; their medians are shown beside the total.");
        s.AppendLine();
        s.AppendLine("| query | median ms | p95 ms | COUNT ms (median) | page ms (median) | matches | < 100 ms? |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var q in Queries)
        {
            s.AppendLine(inv, $"| {q.Label} | **{q.MedianMs:F1}** | {q.P95Ms:F1} | {q.CountMedianMs:F1} | {q.PageMedianMs:F1} | {q.Total:N0} | {(q.Met ? "met" : "**not met**")} |");
        }

        s.AppendLine();
        s.AppendLine("<details><summary>SQLite query plans (EXPLAIN QUERY PLAN of the SQL EF sent)</summary>");
        s.AppendLine();
        foreach (var q in Queries)
        {
            s.AppendLine(inv, $"- **{q.Label}**");
            for (var i = 0; i < q.Plans.Count; i++)
            {
                s.AppendLine(inv, $"  - {(i == 0 ? "COUNT" : "page")}: `{q.Plans[i]}`");
            }
        }

        s.AppendLine();
        s.AppendLine("</details>");
        s.AppendLine();
        var missed = Queries.Where(q => !q.Met).ToList();
        var missedList = string.Join("; ", missed.Select(q => string.Create(inv, $"{q.Label} (median {q.MedianMs:F0} ms, p95 {q.P95Ms:F0} ms)")));
        s.AppendLine(missed.Count == 0
            ? string.Create(inv, $"**Verdict:** every grid query < {GridBenchmark.TargetMilliseconds:F0} ms at p95 — **met** (slowest: {Queries.MaxBy(q => q.P95Ms)!.Label}, p95 {Queries.Max(q => q.P95Ms):F1} ms).")
            : string.Create(inv, $"**Verdict:** grid queries < {GridBenchmark.TargetMilliseconds:F0} ms at p95 — **not met** for {missed.Count} of {Queries.Count}: {missedList}."));
        return s.ToString();
    }
}
