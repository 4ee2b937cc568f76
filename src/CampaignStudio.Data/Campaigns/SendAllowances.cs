using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Campaigns;

/// <summary>What one draw from a shared send allowance gave: messages granted and the thousandths of a token left.</summary>
public readonly record struct AllowanceDraw(long Granted, long MilliTokensLeft);

/// <summary>
/// Draws from a <see cref="SendAllowance"/> bucket with one UPDATE … RETURNING, which both databases run atomically per row:
/// refill by rate × elapsed time up to the burst, grant what is whole, keep the rest. No lock is held between draws.
/// </summary>
public static class SendAllowances
{
    /// <summary>
    /// Takes up to <paramref name="want"/> tokens from the bucket <paramref name="name"/> refilled at <paramref name="perSecond"/>
    /// and holding at most <paramref name="burst"/>; creates the bucket full on first use.
    /// </summary>
    public static async Task<AllowanceDraw> DrawAsync(AppDbContext db, string name, long want, int perSecond, int burst, DateTimeOffset now,
        CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        var nowMs = now.ToUnixTimeMilliseconds();
        var capacity = Math.Max(1, burst) * 1000L;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // The bucket exists after the first draw: insert only when the update found no row (not on every draw).
            if (await TryDrawAsync(db, name, want, perSecond, capacity, nowMs, ct) is { } draw)
            {
                return draw;
            }

            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "SendAllowances" ("Name", "MilliTokens", "RefilledAtMs", "LastGrant") VALUES ({name}, {capacity}, {nowMs}, 0)
                ON CONFLICT ("Name") DO NOTHING
                """, ct);
            return await TryDrawAsync(db, name, want, perSecond, capacity, nowMs, ct) ?? new AllowanceDraw(0, 0);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<AllowanceDraw?> TryDrawAsync(AppDbContext db, string name, long want, int perSecond, long capacity, long nowMs,
        CancellationToken ct)
    {
        // Tokens per second are thousandths per millisecond. A clock behind the stored one refills nothing rather than drains.
        const string elapsed = """(CASE WHEN @now > "RefilledAtMs" THEN @now - "RefilledAtMs" ELSE 0 END)""";
        const string available = $"""(CASE WHEN "MilliTokens" + @rate * {elapsed} > @capacity THEN @capacity ELSE "MilliTokens" + @rate * {elapsed} END)""";
        const string granted = $"""(CASE WHEN {available} / 1000 > @want THEN @want ELSE {available} / 1000 END)""";
        const string sql = $"""
            UPDATE "SendAllowances"
            SET "MilliTokens" = {available} - {granted} * 1000,
                "LastGrant" = {granted},
                "RefilledAtMs" = CASE WHEN @now > "RefilledAtMs" THEN @now ELSE "RefilledAtMs" END
            WHERE "Name" = @name
            RETURNING "LastGrant", "MilliTokens"
            """;
        await using var command = await RawCommands.CreateAsync(db, sql, ct);
        command.Add("@now", nowMs);
        command.Add("@rate", (long)perSecond);
        command.Add("@capacity", capacity);
        command.Add("@want", Math.Max(0, want));
        command.Add("@name", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new AllowanceDraw(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }
}
