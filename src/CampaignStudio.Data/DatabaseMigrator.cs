using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data;

/// <summary>Brings a database to the latest migration; on SQLite also switches the file to WAL mode.</summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(IDbContextFactory<AppDbContext> factory, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets the grid read while an import writes; the mode is stored in the file, so once is enough.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", ct);
        }

        await db.Database.MigrateAsync(ct);
        await Consent.AppendOnlyTriggers.EnsureAsync(db, ct);
    }
}
