using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CampaignStudio.Data.Tests;

/// <summary>
/// The proof tables (consent log, audit log, suppression list) refuse every statement that would rewrite or remove a row,
/// through raw SQL on both providers — including the upserts: on SQLite <c>INSERT OR REPLACE</c> deletes the old row without
/// firing DELETE triggers, so a row could be rewritten under its old id.
/// </summary>
public abstract class AppendOnlyTablesTests(string provider)
{
    /// <summary>Each append-only table with the words its guard answers in.</summary>
    private static readonly Dictionary<string, string> Refusals = new()
    {
        ["ConsentRecords"] = AppendOnlyTriggers.Message,
        ["AuditEntries"] = "The audit log is append-only",
        ["SuppressedAddresses"] = "The suppression list is append-only",
    };

    public static TheoryData<string> Tables => new(Refusals.Keys);

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task NoStatementRewritesOrRemovesARowOfAnAppendOnlyTable(string table)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        var (id, column, original) = await OneRowAsync(test, table);
        await using var db = await test.Factory.CreateDbContextAsync();
        var columns = Columns(db, table);
        var quoted = string.Join(", ", columns.Select(c => $"\"{c}\""));
        var forged = string.Join(", ", columns.Select(c => c == column ? $"'forged' AS \"{c}\"" : $"\"{c}\""));
        var copy = $"SELECT {forged} FROM \"{table}\" WHERE \"Id\" = {id}";

        List<string> statements =
        [
            $"UPDATE \"{table}\" SET \"{column}\" = 'forged' WHERE \"Id\" = {id}",
            $"DELETE FROM \"{table}\" WHERE \"Id\" = {id}",
            $"DELETE FROM \"{table}\"",
            $"INSERT INTO \"{table}\" ({quoted}) {copy} ON CONFLICT (\"Id\") DO UPDATE SET \"{column}\" = excluded.\"{column}\"",
        ];
        if (test.IsSqlite)
        {
            statements.Add($"INSERT OR REPLACE INTO \"{table}\" ({quoted}) {copy}");
            statements.Add($"REPLACE INTO \"{table}\" ({quoted}) {copy}");
            statements.Add($"UPDATE OR REPLACE \"{table}\" SET \"{column}\" = 'forged' WHERE \"Id\" = {id}");
        }
        else
        {
            statements.Add($"MERGE INTO \"{table}\" AS t USING (SELECT {id} AS \"Id\") AS s ON t.\"Id\" = s.\"Id\" WHEN MATCHED THEN UPDATE SET \"{column}\" = 'forged'");
            statements.Add($"MERGE INTO \"{table}\" AS t USING (SELECT {id} AS \"Id\") AS s ON t.\"Id\" = s.\"Id\" WHEN MATCHED THEN DELETE");
            statements.Add($"TRUNCATE \"{table}\"");
        }

        foreach (var sql in statements)
        {
            var error = await Should.ThrowAsync<Exception>(() => db.Database.ExecuteSqlRawAsync(sql), sql);
            error.Message.ShouldContain(Refusals[table], Case.Sensitive, sql);
        }

        await using var check = await test.Factory.CreateDbContextAsync();
        (await RowsAsync(check, table)).ShouldBe([(id, original)]);
    }

    [Fact]
    public async Task ASecondRowWithAUniqueValueOfAnExistingRowCannotReplaceIt()
    {
        // The suppression list is unique by address hash: REPLACE on that index would delete the old row under a new id.
        await using var test = await TestDatabase.CreateAsync(provider);
        var (id, _, hash) = await OneRowAsync(test, "SuppressedAddresses");
        await using var db = await test.Factory.CreateDbContextAsync();
        var insert = test.IsSqlite
            ? "INSERT OR REPLACE INTO \"SuppressedAddresses\" (\"AddressHash\", \"Reason\", \"CreatedAt\") VALUES ({0}, 'Erased', {1})"
            : "INSERT INTO \"SuppressedAddresses\" (\"AddressHash\", \"Reason\", \"CreatedAt\") VALUES ({0}, 'Erased', {1}) ON CONFLICT (\"AddressHash\") DO UPDATE SET \"CreatedAt\" = excluded.\"CreatedAt\"";

        await Should.ThrowAsync<Exception>(() => db.Database.ExecuteSqlRawAsync(insert, hash, StudioClock.DefaultStart.UtcDateTime.AddYears(1)));

        await using var check = await test.Factory.CreateDbContextAsync();
        (await RowsAsync(check, "SuppressedAddresses")).ShouldBe([(id, hash)]);
    }

    [Fact]
    public async Task NewRowsAreStillAppendedByEveryWriter()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await OneRowAsync(test, "ConsentRecords");
        await OneRowAsync(test, "AuditEntries");
        await OneRowAsync(test, "SuppressedAddresses");
        var clock = new StudioClock();
        var ledger = new ConsentLedger(test.Factory, new AddressSuppression(test.Factory, clock), clock);
        await using var db = await test.Factory.CreateDbContextAsync();
        var customerId = await db.Customers.Select(c => c.Id).FirstAsync();

        (await ledger.RecordAsync(new ConsentChange(customerId, ConsentStatus.OptedOut, ConsentSource.Admin, "staff@example.com"))).Recorded.ShouldBeTrue();
        db.AuditEntries.Add(new AuditEntry { At = StudioClock.DefaultStart.UtcDateTime, Actor = "staff@example.com", Action = "second" });
        await db.SaveChangesAsync();

        (await db.ConsentRecords.CountAsync()).ShouldBe(2);
        (await db.AuditEntries.CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task TheDbContextRefusesChangesToAuditAndSuppressionRowsToo()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await OneRowAsync(test, "AuditEntries");
        await OneRowAsync(test, "SuppressedAddresses");
        await using var db = await test.Factory.CreateDbContextAsync();

        var audit = await db.AuditEntries.SingleAsync();
        audit.Action = "forged";
        await Should.ThrowAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.Entry(audit).State = EntityState.Unchanged;
        db.SuppressedAddresses.Remove(await db.SuppressedAddresses.SingleAsync());
        await Should.ThrowAsync<InvalidOperationException>(() => db.SaveChangesAsync());
    }

    /// <summary>Adds one row to the table; returns its id, a text column a forger would change and that column's value.</summary>
    private static async Task<(long Id, string Column, string Value)> OneRowAsync(TestDatabase test, string table)
    {
        await using var db = await test.Factory.CreateDbContextAsync();
        var now = StudioClock.DefaultStart.UtcDateTime;
        switch (table)
        {
            case "ConsentRecords":
                var customer = new Customer { CreatedAt = now, UpdatedAt = now };
                customer.SetEmail($"append-only-{Guid.NewGuid():N}@example.com");
                var record = new ConsentRecord { Customer = customer, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Actor = "customer", WordingVersion = "form-v1", RecordedAt = now };
                db.ConsentRecords.Add(record);
                await db.SaveChangesAsync();
                return (record.Id, "Actor", record.Actor);
            case "AuditEntries":
                var entry = new AuditEntry { At = now, Actor = "admin@example.com", Action = "customer.erased", EntityType = "Customer", EntityId = "1" };
                db.AuditEntries.Add(entry);
                await db.SaveChangesAsync();
                return (entry.Id, "Action", entry.Action);
            case "SuppressedAddresses":
                var address = new SuppressedAddress { AddressHash = new string('a', 64), Reason = SuppressionReason.Erased, CreatedAt = now };
                db.SuppressedAddresses.Add(address);
                await db.SaveChangesAsync();
                return (address.Id, "AddressHash", address.AddressHash);
            default:
                throw new ArgumentOutOfRangeException(nameof(table), table, "No test row for this table.");
        }
    }

    private static async Task<List<(long Id, string Value)>> RowsAsync(AppDbContext db, string table) => table switch
    {
        "ConsentRecords" => (await db.ConsentRecords.AsNoTracking().Select(r => new { r.Id, r.Actor }).ToListAsync()).Select(r => (r.Id, r.Actor)).ToList(),
        "AuditEntries" => (await db.AuditEntries.AsNoTracking().Select(r => new { r.Id, r.Action }).ToListAsync()).Select(r => (r.Id, r.Action)).ToList(),
        "SuppressedAddresses" => (await db.SuppressedAddresses.AsNoTracking().Select(r => new { r.Id, r.AddressHash }).ToListAsync()).Select(r => (r.Id, r.AddressHash)).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    private static List<string> Columns(AppDbContext db, string table)
    {
        var entity = db.Model.GetEntityTypes().Single(e => e.GetTableName() == table);
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        return entity.GetProperties().Select(p => p.GetColumnName(store)!).ToList();
    }

    public sealed class OnSqlite() : AppendOnlyTablesTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : AppendOnlyTablesTests(DatabaseProviders.Postgres);
}
