using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>
/// The database itself refuses to change or delete consent log rows, so bulk statements (ExecuteUpdate, raw SQL) that
/// bypass the DbContext's guard cannot rewrite the proof either. Created after every migration (idempotent), because the
/// single Initial migration is regenerated and would lose hand-written SQL.
/// </summary>
public static class AppendOnlyTriggers
{
    public const string Message = "The consent log is append-only";

    public static async Task EnsureAsync(AppDbContext db, CancellationToken ct = default)
    {
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync($"""
            CREATE TRIGGER IF NOT EXISTS "ConsentRecords_NoUpdate" BEFORE UPDATE ON "ConsentRecords" BEGIN SELECT RAISE(ABORT, '{Message}'); END;
            CREATE TRIGGER IF NOT EXISTS "ConsentRecords_NoDelete" BEFORE DELETE ON "ConsentRecords" BEGIN SELECT RAISE(ABORT, '{Message}'); END;
            """, ct);
            return;
        }

        // Two instances starting together both get here; CREATE OR REPLACE FUNCTION is not safe against itself on
        // PostgreSQL (unique violation in pg_proc), so the instances take turns under a transaction-scoped advisory lock.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync($"""
            SELECT pg_advisory_xact_lock(8058);
            CREATE OR REPLACE FUNCTION consent_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{Message}'; END $$;
            DROP TRIGGER IF EXISTS consent_records_append_only ON "ConsentRecords";
            CREATE TRIGGER consent_records_append_only BEFORE UPDATE OR DELETE ON "ConsentRecords" FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();
            """, ct);
        await tx.CommitAsync(ct);
    }
}
