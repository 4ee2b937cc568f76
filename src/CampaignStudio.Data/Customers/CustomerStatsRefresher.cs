using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Customers;

/// <summary>
/// Recomputes <see cref="CustomerStats"/> from the purchases with set-based SQL that runs on SQLite and PostgreSQL:
/// counts, totals, first and last purchase, and RFM quintiles (<c>NTILE(5)</c> over the buyers, ties broken by customer
/// id so the scores are reproducible). Erased customers get no row; customers without purchases get zeros and no scores.
/// A full refresh also recounts the rule builder's pick lists (<see cref="Segments.SuggestedValueStore"/>).
/// </summary>
public sealed class CustomerStatsRefresher(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    private static readonly TimeSpan RefreshTimeout = TimeSpan.FromMinutes(30);

    private const string Columns =
        """
        "CustomerId", "OrderCount", "TotalSpent", "AverageOrderValue", "FirstPurchaseAt", "LastPurchaseAt",
        "RecencyScore", "FrequencyScore", "MonetaryScore", "RefreshedAt"
        """;

    // Purchases summed per customer; "where" narrows the purchases (all of them, or the customers a write touched).
    private static string Aggregates(string where) =>
        $"""
        SELECT p."CustomerId", COUNT(*) AS n, SUM(p."Amount") AS total, AVG(p."Amount") AS average,
               MIN(p."PurchasedAt") AS first_at, MAX(p."PurchasedAt") AS last_at
        FROM "Purchases" AS p
        {where}
        GROUP BY p."CustomerId"
        """;

    /// <summary>
    /// Replaces every customer's stats in one transaction (readers see the old numbers until it commits).
    /// Returns the number of rows written.
    /// </summary>
    public async Task<int> RefreshAllAsync(CancellationToken ct = default)
    {
        var sql =
            $$"""
            INSERT INTO "CustomerStats" ({{Columns}})
            WITH agg AS (
            {{Aggregates("")}}
            ), scored AS (
                SELECT agg.*,
                       NTILE(5) OVER (ORDER BY agg.last_at, agg."CustomerId") AS r,
                       NTILE(5) OVER (ORDER BY agg.n, agg."CustomerId") AS f,
                       NTILE(5) OVER (ORDER BY agg.total, agg."CustomerId") AS m
                FROM agg
                JOIN "Customers" AS c ON c."Id" = agg."CustomerId"
                WHERE NOT c."IsErased"
            )
            SELECT c."Id", COALESCE(s.n, 0), COALESCE(s.total, 0), s.average, s.first_at, s.last_at, s.r, s.f, s.m, {0}
            FROM "Customers" AS c
            LEFT JOIN scored AS s ON s."CustomerId" = c."Id"
            WHERE NOT c."IsErased"
            """;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A bulk job, not an interactive query: at millions of purchases it can outlast the 2-minute default.
        db.Database.SetCommandTimeout(RefreshTimeout);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockStatsAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "CustomerStats" """, ct);
        var rows = await db.Database.ExecuteSqlRawAsync(sql, [clock.GetUtcNow().UtcDateTime], ct);

        // The builder's pick lists are counted from the same data, at the same moment.
        await Segments.SuggestedValueStore.RefreshAsync(db, ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>The highest purchase id now: pass it to <see cref="RefreshBuyersSinceAsync"/> after writing purchases.</summary>
    public async Task<long> PurchaseWatermarkAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Purchases.MaxAsync(p => (long?)p.Id, ct) ?? 0;
    }

    /// <summary>
    /// Recomputes the stats of the customers who got purchases with an id above <paramref name="purchaseWatermark"/>
    /// (a small API batch), without touching anyone else. Their counts and totals are exact; their RFM scores are placed
    /// by the current score boundaries (the lowest value holding each score), so they are approximate until the next
    /// <see cref="RefreshAllAsync"/> recomputes the quintiles for everyone. Returns the number of customers refreshed.
    /// </summary>
    public async Task<int> RefreshBuyersSinceAsync(long purchaseWatermark, CancellationToken ct = default)
    {
        const string touched = """SELECT DISTINCT "CustomerId" FROM "Purchases" WHERE "Id" > {0}""";
        var sql =
            $$"""
            INSERT INTO "CustomerStats" ({{Columns}})
            WITH agg AS (
            {{Aggregates($"""WHERE p."CustomerId" IN ({touched})""")}}
            )
            SELECT agg."CustomerId", agg.n, agg.total, agg.average, agg.first_at, agg.last_at,
                   {{Place("RecencyScore", "LastPurchaseAt", "agg.last_at")}},
                   {{Place("FrequencyScore", "OrderCount", "agg.n")}},
                   {{Place("MonetaryScore", "TotalSpent", "agg.total")}},
                   {1}
            FROM agg
            JOIN "Customers" AS c ON c."Id" = agg."CustomerId"
            WHERE NOT c."IsErased"
            """;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A bulk job, not an interactive query: at millions of purchases it can outlast the 2-minute default.
        db.Database.SetCommandTimeout(RefreshTimeout);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockStatsAsync(db, ct);
        await db.Database.ExecuteSqlRawAsync($"""DELETE FROM "CustomerStats" WHERE "CustomerId" IN ({touched})""", [purchaseWatermark], ct);
        var rows = await db.Database.ExecuteSqlRawAsync(sql, [purchaseWatermark, clock.GetUtcNow().UtcDateTime], ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// Runs a write of purchases (an API batch) and then refreshes the stats of the customers it gave purchases to.
    /// </summary>
    public async Task<T> RefreshAfterPurchasesAsync<T>(Func<Task<T>> write, CancellationToken ct = default)
    {
        var watermark = await PurchaseWatermarkAsync(ct);
        var result = await write();
        await RefreshBuyersSinceAsync(watermark, ct);
        return result;
    }

    /// <summary>
    /// Refreshes replace rows (delete, then insert). Two at once, on two instances, would both insert the rows the other
    /// deleted and collide on the key, so PostgreSQL serialises them with a table lock that still lets readers in.
    /// SQLite already allows one writer at a time.
    /// </summary>
    private static async Task LockStatsAsync(AppDbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("""LOCK TABLE "CustomerStats" IN SHARE ROW EXCLUSIVE MODE""", ct);
        }
    }

    // The highest score whose lowest member is at or below the value; each MIN is one seek in the (score, value) index.
    private static string Place(string score, string column, string value)
    {
        var cases = string.Concat(Enumerable.Range(2, 4).Reverse().Select(k =>
            $"""WHEN {value} >= (SELECT MIN(x."{column}") FROM "CustomerStats" AS x WHERE x."{score}" = {k}) THEN {k} """));
        return $"CASE {cases}ELSE 1 END";
    }
}
