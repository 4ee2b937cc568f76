using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>
/// Keeps erased addresses from ever being mailed again without keeping the addresses: a keyed hash (HMAC-SHA256) of the
/// normalised address. The key comes from configuration (<c>Privacy:SuppressionKey</c>, base64) or, when that is not set,
/// is generated once and kept in the settings table. A keyed hash cannot be reversed with a list of common addresses
/// unless the key is known too.
/// </summary>
public sealed class AddressSuppression(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, string? configuredKey = null)
{
    public const string SettingKey = "Privacy:SuppressionKey";
    public const string ImportNote = "This address was erased on request earlier: it stays suppressed.";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    /// <summary>
    /// Loads (or creates) the key. Call before opening a write transaction: creating the key writes to the settings
    /// table on its own connection, which would wait for that transaction on SQLite.
    /// </summary>
    public Task PrepareAsync(CancellationToken ct = default) => KeyAsync(ct);

    /// <summary>The hash of an address, or null when there is no address.</summary>
    public async Task<string?> HashAsync(string? email, CancellationToken ct = default)
    {
        var normalised = Customer.NormalizeEmail(email);
        return normalised is null ? null : Hash(await KeyAsync(ct), normalised);
    }

    public async Task<bool> IsSuppressedAsync(AppDbContext db, string? email, CancellationToken ct = default)
    {
        var hash = await HashAsync(email, ct);
        return hash is not null && await db.SuppressedAddresses.AnyAsync(s => s.AddressHash == hash, ct);
    }

    /// <summary>Adds the address to the suppression list (in the caller's unit of work; idempotent).</summary>
    public async Task AddAsync(AppDbContext db, string? email, SuppressionReason reason, CancellationToken ct = default)
    {
        var hash = await HashAsync(email, ct);
        if (hash is not null && !await db.SuppressedAddresses.AnyAsync(s => s.AddressHash == hash, ct))
        {
            db.SuppressedAddresses.Add(new SuppressedAddress { AddressHash = hash, Reason = reason, CreatedAt = clock.GetUtcNow().UtcDateTime });
        }
    }

    /// <summary>
    /// After an import or API batch wrote customers: any of these addresses on the suppression list gets an opt-out
    /// record and the opted-out status, in the same transaction, so <c>Mailable()</c> never picks it up again.
    /// Returns how many customers were suppressed.
    /// </summary>
    public async Task<int> ApplyAsync(DbConnection connection, DbTransaction tx, IEnumerable<string?> emails, CancellationToken ct = default)
    {
        var addresses = emails.Select(Customer.NormalizeEmail).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (addresses.Count == 0 || !await AnySuppressedAsync(connection, tx, ct))
        {
            return 0;
        }

        var key = await KeyAsync(ct);
        var byHash = addresses.ToDictionary(a => Hash(key, a), a => a, StringComparer.Ordinal);
        var suppressed = new List<string>();
        foreach (var chunk in byHash.Keys.Chunk(500))
        {
            await using var find = Command(connection, tx, $"""SELECT "AddressHash" FROM "SuppressedAddresses" WHERE "AddressHash" IN ({Parameters(chunk.Length)})""");
            Bind(find, chunk);
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                suppressed.Add(byHash[reader.GetString(0)]);
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var count = 0;
        foreach (var email in suppressed)
        {
            // Only customers who are not suppressed already: a re-import must not pile up identical records.
            await using var update = Command(connection, tx, """
                UPDATE "Customers" SET "EmailConsent" = @OptedOut, "EmailConsentAt" = @Now
                WHERE "Email" = @Email AND "EmailConsent" NOT IN (@OptedOut, @Bounced, @Complained)
                RETURNING "Id"
                """);
            Add(update, "OptedOut", nameof(ConsentStatus.OptedOut));
            Add(update, "Bounced", nameof(ConsentStatus.Bounced));
            Add(update, "Complained", nameof(ConsentStatus.Complained));
            Add(update, "Now", now);
            Add(update, "Email", email);
            if (await update.ExecuteScalarAsync(ct) is not { } id)
            {
                continue;
            }

            await using var record = Command(connection, tx, """
                INSERT INTO "ConsentRecords" ("CustomerId", "Channel", "Purpose", "Status", "Source", "Actor", "RecordedAt", "Note")
                VALUES (@CustomerId, @Channel, @Purpose, @Status, @Source, @Actor, @Now, @Note)
                """);
            Add(record, "CustomerId", Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture));
            Add(record, "Channel", nameof(ConsentChannel.Email));
            Add(record, "Purpose", ConsentPurposes.Marketing);
            Add(record, "Status", nameof(ConsentStatus.OptedOut));
            Add(record, "Source", nameof(ConsentSource.Import));
            Add(record, "Actor", "system");
            Add(record, "Now", now);
            Add(record, "Note", ImportNote);
            await record.ExecuteNonQueryAsync(ct);
            count++;
        }

        return count;
    }

    private static async Task<bool> AnySuppressedAsync(DbConnection connection, DbTransaction tx, CancellationToken ct)
    {
        await using var any = Command(connection, tx, """SELECT 1 FROM "SuppressedAddresses" LIMIT 1""");
        return await any.ExecuteScalarAsync(ct) is not null;
    }

    private async Task<byte[]> KeyAsync(CancellationToken ct)
    {
        if (_key is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            if (!string.IsNullOrWhiteSpace(configuredKey))
            {
                return _key = Convert.FromBase64String(configuredKey);
            }

            return _key = await OncePerStudioKey.GetOrCreateAsync(dbFactory, SettingKey, clock, Convert.ToBase64String, Convert.FromBase64String, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Hash(byte[] key, string normalisedAddress) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(normalisedAddress)));

    private static DbCommand Command(DbConnection connection, DbTransaction tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => "@h" + i));

    private static void Bind(DbCommand command, string[] hashes)
    {
        for (var i = 0; i < hashes.Length; i++)
        {
            Add(command, "h" + i, hashes[i]);
        }
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
