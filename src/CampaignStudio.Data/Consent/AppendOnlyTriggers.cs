using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>
/// The database itself refuses to change or remove rows of the proof tables (consent log, audit log, suppression list), so
/// bulk statements (ExecuteUpdate, raw SQL) that bypass the DbContext's guard cannot rewrite the proof either. Created after
/// every migration (idempotent), because the single Initial migration is regenerated and would lose hand-written SQL.
/// </summary>
public static class AppendOnlyTriggers
{
    public const string Message = "The consent log is append-only";

    /// <summary>The append-only tables, with the sentence a refused statement fails with.</summary>
    public static readonly IReadOnlyList<(Type Entity, string Table, string Message)> Tables =
    [
        (typeof(ConsentRecord), "ConsentRecords", Message),
        (typeof(AuditEntry), "AuditEntries", "The audit log is append-only"),
        (typeof(SuppressedAddress), "SuppressedAddresses", "The suppression list is append-only"),
    ];

    public static string MessageFor(string table) => Tables.Single(t => t.Table == table).Message;

    public static async Task EnsureAsync(AppDbContext db, CancellationToken ct = default)
    {
        if (db.Database.IsSqlite())
        {
            foreach (var (entity, table, message) in Tables)
            {
                // INSERT OR REPLACE (and REPLACE INTO) deletes a row whose key it meets without firing DELETE triggers
                // (unless recursive_triggers is on), then inserts the forged row under the old id: an insert that meets an
                // existing primary or unique key must fail here, before the conflict resolution runs.
                var sameKey = string.Join(" OR ", UniqueKeys(db, entity).Select(key => "(" + string.Join(" AND ", key.Select(c => $"\"{c}\" = NEW.\"{c}\"")) + ")"));

                // Table, column names and messages come from the list above and the model, never from input.
                var sql = $"""
                    CREATE TRIGGER IF NOT EXISTS "{table}_NoUpdate" BEFORE UPDATE ON "{table}" BEGIN SELECT RAISE(ABORT, '{message}'); END;
                    CREATE TRIGGER IF NOT EXISTS "{table}_NoDelete" BEFORE DELETE ON "{table}" BEGIN SELECT RAISE(ABORT, '{message}'); END;
                    CREATE TRIGGER IF NOT EXISTS "{table}_NoReplace" BEFORE INSERT ON "{table}"
                        WHEN EXISTS (SELECT 1 FROM "{table}" WHERE {sameKey}) BEGIN SELECT RAISE(ABORT, '{message}'); END;
                    """;
                await db.Database.ExecuteSqlRawAsync(sql, ct);
            }

            return;
        }

        // PostgreSQL has no REPLACE: INSERT … ON CONFLICT DO UPDATE and MERGE fire the row UPDATE/DELETE triggers. TRUNCATE fires
        // no row trigger at all, so it gets a statement trigger of its own.
        // Two instances starting together both get here; CREATE OR REPLACE FUNCTION is not safe against itself on
        // PostgreSQL (unique violation in pg_proc), so the instances take turns under a transaction-scoped advisory lock.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync("""
            SELECT pg_advisory_xact_lock(8058);
            CREATE OR REPLACE FUNCTION studio_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
            DROP TRIGGER IF EXISTS consent_records_append_only ON "ConsentRecords";
            DROP FUNCTION IF EXISTS consent_records_append_only();
            """, ct);
        foreach (var (_, table, message) in Tables)
        {
            var sql = $"""
                DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";
                CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION studio_append_only('{message}');
                DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";
                CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION studio_append_only('{message}');
                """;
            await db.Database.ExecuteSqlRawAsync(sql, ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>The primary key and every unique index of the table, as column lists, read from the model so a new unique index is covered too.</summary>
    private static IEnumerable<IReadOnlyList<string>> UniqueKeys(AppDbContext db, Type entity)
    {
        var type = db.Model.FindEntityType(entity) ?? throw new InvalidOperationException($"{entity.Name} is not in the model.");
        var columns = type.GetKeys().Select(k => k.Properties).Concat(type.GetIndexes().Where(i => i.IsUnique).Select(i => i.Properties));
        return columns.Select(properties => (IReadOnlyList<string>)properties.Select(p => p.GetColumnName()).ToList());
    }
}
