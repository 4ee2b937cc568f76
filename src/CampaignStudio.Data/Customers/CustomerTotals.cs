using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Customers;

/// <summary>
/// How many customers the grid shows above its unfiltered pages. Counting a million rows exactly takes PostgreSQL a
/// parallel index scan (0.15–0.6 s), so from <see cref="EstimateFrom"/> customers on it reads the planner's estimate instead
/// (table statistics scaled to the table's current size: what ANALYZE and autovacuum keep up to date); the grid says "about N".
/// SQLite counts its B-tree quickly enough and keeps no comparable statistics, so it always counts.
/// </summary>
public static class CustomerTotals
{
    /// <summary>Below this many (estimated) customers an exact count is cheap on any database, so it is exact.</summary>
    public const long EstimateFrom = 50_000;

    /// <summary>
    /// The planner's estimate of the customers shown (not erased) on PostgreSQL, when it is at least <see cref="EstimateFrom"/>;
    /// otherwise null, and the caller counts.
    /// </summary>
    public static async Task<int?> EstimateAsync(AppDbContext db, CancellationToken ct = default)
    {
        if (db.Database.IsSqlite())
        {
            return null;
        }

        // The same condition as the grid's query (not erased); EXPLAIN plans without running, so this is a few milliseconds at any size.
        var plans = await db.Database
            .SqlQueryRaw<string>("""EXPLAIN (FORMAT JSON) SELECT 1 FROM "Customers" WHERE NOT "IsErased" """)
            .ToListAsync(ct);
        using var json = JsonDocument.Parse(plans.Single());
        var rows = json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
        return rows >= EstimateFrom ? (int)Math.Min(int.MaxValue, ThreeFigures(rows)) : null;
    }

    // An estimate shown to the last customer (999,987) claims a precision it does not have: three figures (1,000,000).
    private static double ThreeFigures(double value)
    {
        var unit = Math.Pow(10, Math.Floor(Math.Log10(value)) - 2);
        return Math.Round(value / unit) * unit;
    }
}
