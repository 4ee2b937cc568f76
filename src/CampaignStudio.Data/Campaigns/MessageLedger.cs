using System.Data.Common;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Data.Campaigns;

/// <summary>A message row a worker holds a lease on.</summary>
public sealed record LeasedMessage(long Id, long CustomerId, int? VariantId, int Attempts);

/// <summary>What became of one leased message.</summary>
public sealed record MessageOutcome(long Id, MessageStatus Status, DateTime? SentAt = null, string? Error = null, string? MessageIdHeader = null,
    DateTime? NextAttemptAt = null);

/// <summary>
/// All SQL that moves message rows through the send pipeline: lease, record, release. Kept in one place because its
/// correctness is what makes sending crash-safe. A row is only ever sent by the worker whose lease it carries; a lease
/// that runs out (the worker died) makes the row due again.
/// </summary>
public static class MessageLedger
{
    private const string Queued = nameof(MessageStatus.Queued);
    private const string Sending = nameof(MessageStatus.Sending);

    /// <summary>
    /// Leases up to <paramref name="count"/> due rows of a campaign in one statement. SQLite runs one writer at a time, so the
    /// UPDATE is atomic between workers; on PostgreSQL append <c>FOR UPDATE SKIP LOCKED</c> to the inner SELECT.
    /// </summary>
    public static async Task<IReadOnlyList<LeasedMessage>> LeaseAsync(AppDbContext db, int campaignId, string owner, int count, DateTime now,
        TimeSpan lease, CancellationToken ct = default)
    {
        const string sql = """
            UPDATE "Messages" SET "Status" = @sending, "LeaseOwner" = @owner, "LeaseUntil" = @until, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT "Id" FROM "Messages"
                WHERE "CampaignId" = @campaign
                  AND (("Status" = @queued AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= @now))
                    OR ("Status" = @sending AND "LeaseUntil" < @now))
                ORDER BY "Id"
                LIMIT @count)
            RETURNING "Id", "CustomerId", "VariantId", "Attempts"
            """;
        var leased = new List<LeasedMessage>(count);
        await using var command = await CommandAsync(db, sql, ct);
        Add(command, "@sending", Sending);
        Add(command, "@queued", Queued);
        Add(command, "@owner", owner);
        Add(command, "@until", now + lease);
        Add(command, "@campaign", campaignId);
        Add(command, "@now", now);
        Add(command, "@count", count);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                leased.Add(new LeasedMessage(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetInt32(3)));
            }
        }

        leased.Sort((a, b) => a.Id.CompareTo(b.Id));
        return leased;
    }

    /// <summary>
    /// Writes outcomes in one transaction. Only rows still leased by <paramref name="owner"/> change: if a lease ran out and
    /// another worker took the row, the first result recorded wins.
    /// </summary>
    public static async Task<int> RecordAsync(AppDbContext db, string owner, IReadOnlyCollection<MessageOutcome> outcomes, CancellationToken ct = default)
    {
        if (outcomes.Count == 0)
        {
            return 0;
        }

        const string sql = """
            UPDATE "Messages" SET "Status" = @status, "SentAt" = @sentAt, "Error" = @error, "MessageIdHeader" = COALESCE(@messageId, "MessageIdHeader"),
                "NextAttemptAt" = @next, "LeaseOwner" = NULL, "LeaseUntil" = NULL
            WHERE "Id" = @id AND "LeaseOwner" = @owner AND "Status" = @sending
            """;
        var changed = 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var command = await CommandAsync(db, sql, ct))
        {
            var status = Add(command, "@status", null);
            var sentAt = Add(command, "@sentAt", null);
            var error = Add(command, "@error", null);
            var messageId = Add(command, "@messageId", null);
            var next = Add(command, "@next", null);
            var id = Add(command, "@id", null);
            Add(command, "@owner", owner);
            Add(command, "@sending", Sending);
            foreach (var outcome in outcomes)
            {
                status.Value = outcome.Status.ToString();
                sentAt.Value = (object?)outcome.SentAt ?? DBNull.Value;
                error.Value = outcome.Error is null ? DBNull.Value : Truncate(outcome.Error, Domain.Limits.ShortText);
                messageId.Value = outcome.MessageIdHeader is null ? DBNull.Value : Truncate(outcome.MessageIdHeader, Domain.Limits.ShortText);
                next.Value = (object?)outcome.NextAttemptAt ?? DBNull.Value;
                id.Value = outcome.Id;
                changed += await command.ExecuteNonQueryAsync(ct);
            }
        }

        await tx.CommitAsync(ct);
        return changed;
    }

    /// <summary>Gives leased rows back unsent (pause, cancel, shutdown): they are due again at once, and the attempt does not count.</summary>
    public static async Task ReleaseAsync(AppDbContext db, string owner, IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        foreach (var chunk in ids.Chunk(500))
        {
            await db.Messages.Where(m => chunk.Contains(m.Id) && m.LeaseOwner == owner && m.Status == MessageStatus.Sending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, MessageStatus.Queued)
                    .SetProperty(m => m.LeaseOwner, (string?)null)
                    .SetProperty(m => m.LeaseUntil, (DateTime?)null)
                    .SetProperty(m => m.Attempts, m => m.Attempts - 1), ct);
        }
    }

    /// <summary>Messages sent since a moment, over all campaigns: the provider's per-minute and per-hour limits count these.</summary>
    public static Task<int> SentSinceAsync(AppDbContext db, DateTime since, CancellationToken ct = default) =>
        db.Messages.CountAsync(m => m.SentAt >= since, ct);

    /// <summary>Marks a campaign completed when no row is left queued or in flight (sent + failed + suppressed = audience).</summary>
    public static async Task<bool> CompleteIfDoneAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken ct = default)
    {
        var open = await db.Messages.AnyAsync(m => m.CampaignId == campaignId && (m.Status == MessageStatus.Queued || m.Status == MessageStatus.Sending), ct);
        if (open)
        {
            return false;
        }

        return await db.Campaigns.Where(c => c.Id == campaignId && c.Status == CampaignStatus.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Completed).SetProperty(c => c.CompletedAt, now), ct) > 0;
    }

    private static async Task<DbCommand> CommandAsync(AppDbContext db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }

    private static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
