using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "SendAllowances" ("Name", "MilliTokens", "RefilledAtMs", "LastGrant") VALUES ({name}, {capacity}, {nowMs}, 0)
            ON CONFLICT ("Name") DO NOTHING
            """, ct);

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

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (key, value) in new (string, object)[] { ("@now", nowMs), ("@rate", (long)perSecond), ("@capacity", capacity), ("@want", Math.Max(0, want)), ("@name", name) })
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = key;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? new AllowanceDraw(reader.GetInt64(0), reader.GetInt64(1)) : new AllowanceDraw(0, 0);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
