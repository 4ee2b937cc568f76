using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// A message row a worker holds a lease on. It carries the <see cref="MessageDelivery"/> proof, which only this ledger
/// issues: the links of the mail that goes out are minted from it, and from nothing else.
/// </summary>
public sealed record LeasedMessage(MessageDelivery Delivery, int? VariantId, int Attempts)
{
    public long Id => Delivery.MessageId;

    public long CustomerId => Delivery.CustomerId;
}

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

    /// <summary>The rows a lease may take: queued and due, or leased by a worker whose lease ran out.</summary>
    private const string Due = """
        "CampaignId" = @campaign
          AND (("Status" = @queued AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= @now))
            OR ("Status" = @sending AND "LeaseUntil" < @now))
        """;

    /// <summary>
    /// The customers of the rows the next <see cref="LeaseAsync"/> would take, read without leasing them: the send pipeline loads
    /// their data while the batch before them sends (decision 054, session 13). Another worker may lease them first; nothing
    /// here holds or changes a row.
    /// </summary>
    public static async Task<IReadOnlyList<long>> PeekDueCustomersAsync(AppDbContext db, int campaignId, int count, DateTime now, CancellationToken ct = default)
    {
        var customers = new List<long>(Math.Max(0, count));
        if (count <= 0)
        {
            return customers;
        }

        await using var command = await RawCommands.CreateAsync(db, $"""SELECT "CustomerId" FROM "Messages" WHERE {Due} ORDER BY "Id" LIMIT @count""", ct);
        command.Add("@sending", Sending);
        command.Add("@queued", Queued);
        command.Add("@campaign", campaignId);
        command.Add("@now", now);
        command.Add("@count", count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            customers.Add(reader.GetInt64(0));
        }

        return customers;
    }

    /// <summary>
    /// Leases up to <paramref name="count"/> due rows of a campaign in one statement. SQLite runs one writer at a time, so the
    /// UPDATE … WHERE "Id" IN (SELECT … LIMIT) is atomic between workers. PostgreSQL picks the rows in a CTE with
    /// <c>FOR UPDATE SKIP LOCKED</c>: a row another worker is leasing is skipped, not waited for and then leased twice, and a
    /// locked CTE runs exactly once (as an IN-subquery it can be re-run during the row re-check and lease more than
    /// <paramref name="count"/> — seen: five rows for a budget of three).
    /// </summary>
    public static async Task<IReadOnlyList<LeasedMessage>> LeaseAsync(AppDbContext db, int campaignId, string owner, int count, DateTime now,
        TimeSpan lease, CancellationToken ct = default)
    {
        if (count <= 0)
        {
            return [];
        }

        var sql = db.Database.IsSqlite()
            ? $"""
                UPDATE "Messages" SET "Status" = @sending, "LeaseOwner" = @owner, "LeaseUntil" = @until, "Attempts" = "Attempts" + 1
                WHERE "Id" IN (SELECT "Id" FROM "Messages" WHERE {Due} ORDER BY "Id" LIMIT @count)
                RETURNING "Id", "CustomerId", "VariantId", "Attempts"
                """
            : $"""
                WITH picked AS (
                    SELECT "Id" FROM "Messages" WHERE {Due} ORDER BY "Id" LIMIT @count FOR UPDATE SKIP LOCKED)
                UPDATE "Messages" AS m SET "Status" = @sending, "LeaseOwner" = @owner, "LeaseUntil" = @until, "Attempts" = m."Attempts" + 1
                FROM picked WHERE m."Id" = picked."Id"
                RETURNING m."Id", m."CustomerId", m."VariantId", m."Attempts"
                """;
        var leased = new List<LeasedMessage>(count);
        await using var command = await RawCommands.CreateAsync(db, sql, ct);
        command.Add("@sending", Sending);
        command.Add("@queued", Queued);
        command.Add("@owner", owner);
        command.Add("@until", now + lease);
        command.Add("@campaign", campaignId);
        command.Add("@now", now);
        command.Add("@count", count);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                leased.Add(new LeasedMessage(new MessageDelivery(reader.GetInt64(0), reader.GetInt64(1), campaignId), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.GetInt32(3)));
            }
        }

        leased.Sort((a, b) => a.Id.CompareTo(b.Id));
        return leased;
    }

    /// <summary>
    /// Leases like <see cref="LeaseAsync"/>, but never more than the provider's per-minute and per-hour limits leave, counted
    /// over every worker of every instance: messages sent in the window plus messages leased and not yet recorded (another
    /// worker may be sending them right now). Counting and leasing happen under one cluster-wide lock — SQLite's write
    /// transaction, a transaction-scoped advisory lock on PostgreSQL — so two workers cannot both spend the same allowance.
    /// </summary>
    public static async Task<IReadOnlyList<LeasedMessage>> LeaseWithinLimitsAsync(AppDbContext db, int campaignId, string owner, int count,
        DateTime now, TimeSpan lease, int? perMinute, int? perHour, CancellationToken ct = default)
    {
        if (perMinute is not > 0 && perHour is not > 0)
        {
            return await LeaseAsync(db, campaignId, owner, count, now, lease, ct);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({SendAllowanceLockKey})", ct);
        }

        if (perMinute is > 0)
        {
            count = Math.Min(count, perMinute.Value - await SpentSinceAsync(db, now.AddMinutes(-1), now, ct));
        }

        if (perHour is > 0)
        {
            count = Math.Min(count, perHour.Value - await SpentSinceAsync(db, now.AddHours(-1), now, ct));
        }

        var leased = await LeaseAsync(db, campaignId, owner, count, now, lease, ct);
        await tx.CommitAsync(ct);
        return leased;
    }

    /// <summary>The advisory lock key of the send allowance on PostgreSQL (8058 guards the consent-log triggers).</summary>
    private const long SendAllowanceLockKey = 8059;

    /// <summary>Messages sent since a moment plus those leased and still in flight: what the rate windows have used up.</summary>
    private static Task<int> SpentSinceAsync(AppDbContext db, DateTime since, DateTime now, CancellationToken ct) =>
        db.Messages.CountAsync(m => m.SentAt >= since || (m.Status == MessageStatus.Sending && m.LeaseUntil >= now), ct);

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
        await using (var command = await RawCommands.CreateAsync(db, sql, ct))
        {
            var status = command.Add("@status", null);
            var sentAt = command.Add("@sentAt", null);
            var error = command.Add("@error", null);
            var messageId = command.Add("@messageId", null);
            var next = command.Add("@next", null);
            var id = command.Add("@id", null);
            command.Add("@owner", owner);
            command.Add("@sending", Sending);
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

    /// <summary>
    /// Marks a campaign completed when no row is left queued or in flight (sent + failed + suppressed = audience); never a
    /// flow's send step (docs/decisions/053-flows.md).
    /// </summary>
    public static async Task<bool> CompleteIfDoneAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken ct = default)
    {
        // A flow's send step stays open while the flow is live: the engine queues its messages one customer at a time.
        if (await db.Campaigns.AnyAsync(c => c.Id == campaignId && c.FlowId != null, ct))
        {
            return false;
        }

        var open = await db.Messages.AnyAsync(m => m.CampaignId == campaignId && (m.Status == MessageStatus.Queued || m.Status == MessageStatus.Sending), ct);
        if (open)
        {
            return false;
        }

        // The completion and its "campaign finished" webhook commit together (the caller's transaction, else our own).
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        if (!await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.Complete, ct, s => s.SetProperty(c => c.CompletedAt, now)))
        {
            return false;
        }

        // A winner rollout still waiting sends again later (decision 048): the campaign is finished only after the rest went out.
        var rolloutWaiting = await db.Campaigns.AnyAsync(c => c.Id == campaignId
            && db.Experiments.Any(e => e.Id == c.ExperimentId && e.RolloutTestShare != null && e.RolloutDecidedAt == null), ct);
        if (!rolloutWaiting)
        {
            await QueueFinishedWebhookAsync(db, campaignId, now, ct);
        }

        if (tx is not null)
        {
            await tx.CommitAsync(ct);
        }

        return true;
    }

    /// <summary>Queues the "campaign finished" webhook (for a finish that made no Complete move, e.g. a rollout that mailed nobody).</summary>
    public static async Task QueueFinishedWebhookAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken ct) =>
        await Webhooks.WebhookOutbox.AddAsync(db, Domain.Webhooks.WebhookEvents.CampaignFinished, await FinishedAsync(db, campaignId, now, ct), now, ct);

    /// <summary>The "campaign finished" payload: the campaign and its counts by message status.</summary>
    private static async Task<object> FinishedAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken ct)
    {
        var campaign = await db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId).Select(c => new { c.Id, c.Name, c.ExperimentId, c.LaunchedAt }).SingleAsync(ct);
        var counts = await db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId).GroupBy(m => m.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return new
        {
            campaignId = campaign.Id, name = campaign.Name, experimentId = campaign.ExperimentId, launchedAt = campaign.LaunchedAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : (DateTime?)null,
            finishedAt = DateTime.SpecifyKind(now, DateTimeKind.Utc),
            sent = counts.GetValueOrDefault(MessageStatus.Sent), failed = counts.GetValueOrDefault(MessageStatus.Failed),
            suppressed = counts.GetValueOrDefault(MessageStatus.Suppressed),
        };
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
