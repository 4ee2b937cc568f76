using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Import;

/// <summary>An event a shop sent as it happened, already checked against <see cref="TrackedEvents"/>; the customer by e-mail or external id.</summary>
public sealed record TrackedEvent(string EventId, string Type, string? Email, string? ExternalId, DateTime OccurredAt, string? PropertiesJson);

public enum TrackedEventOutcome
{
    /// <summary>Stored now.</summary>
    Accepted,

    /// <summary>An event with this id was stored before for this customer (a retry): not stored twice, not an error.</summary>
    Duplicate,

    /// <summary>Not stored; the reason says why.</summary>
    Refused,
}

public sealed record TrackedEventResult(TrackedEventOutcome Outcome, string? Reason = null);

/// <summary>
/// Stores a request's events in one transaction with the import's writer (<see cref="BatchWriter"/>): prepared inserts,
/// unknown customers created with unknown consent, erased addresses suppressed again. The database decides what is a
/// duplicate — the unique (customer, source key) index with <c>ON CONFLICT DO NOTHING</c> — so two concurrent retries
/// store the event once, with no look-up that could race.
/// </summary>
public sealed class TrackedEventWriter(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, Consent.AddressSuppression? suppression = null)
{
    /// <summary>The source key of an API event: the client's id, hashed to fit, marked as coming from the API.</summary>
    public static string SourceKeyFor(string eventId) => TrackedEvents.SourceKeyPrefix + RowParser.Hash("id", eventId);

    /// <summary>
    /// Stores the events of a request as read (<see cref="TrackedEventReader"/>): one result per item, in order — refused
    /// items with their reason, the others as <see cref="StoreAsync(IReadOnlyList{TrackedEvent}, CancellationToken)"/> answers.
    /// </summary>
    public async Task<IReadOnlyList<TrackedEventResult>> StoreAsync(IReadOnlyList<TrackedEventRead> read, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var valid = read.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
        var stored = valid.Count == 0 ? [] : await StoreAsync(valid, ct);
        var next = 0;
        return read.Select(r => r.Event is null ? new TrackedEventResult(TrackedEventOutcome.Refused, r.Refusal) : stored[next++]).ToList();
    }

    /// <summary>One result per event, in order. Everything accepted is committed when this returns.</summary>
    public async Task<IReadOnlyList<TrackedEventResult>> StoreAsync(IReadOnlyList<TrackedEvent> events, CancellationToken ct = default)
    {
        var results = new TrackedEventResult?[events.Count];
        var byEmail = new CsvImporter.Batch();
        var byExternalId = new CsvImporter.Batch();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var row = new EventRow { Line = i, Type = e.Type, OccurredAt = e.OccurredAt, PropertiesJson = e.PropertiesJson, SourceKey = SourceKeyFor(e.EventId) };
            try
            {
                // The e-mail decides when both are given: it is what the studio mails and how the import matches by default.
                if (e.Email is not null)
                {
                    row.CustomerKey = RowParser.ParseEmail(e.Email);
                    byEmail.Events.Add(row);
                }
                else if (e.ExternalId is { Length: > 0 and <= Limits.ExternalId } externalId)
                {
                    row.CustomerKey = externalId;
                    byExternalId.Events.Add(row);
                }
                else
                {
                    results[i] = new(TrackedEventOutcome.Refused, e.ExternalId is null
                        ? "the customer is missing: give email or externalId"
                        : $"externalId must be 1 to {Limits.ExternalId} characters");
                }
            }
            catch (RowException ex)
            {
                results[i] = new(TrackedEventOutcome.Refused, ex.Message);
            }
        }

        if (byEmail.Events.Count + byExternalId.Events.Count > 0)
        {
            await WriteAsync(byEmail, byExternalId, ct);
        }

        foreach (var batch in new[] { byEmail, byExternalId })
        {
            var refused = batch.Errors.ToDictionary(e => e.LineNumber, e => e.Reason);
            foreach (var row in batch.Events)
            {
                results[row.Line] = refused.TryGetValue(row.Line, out var reason) ? new(TrackedEventOutcome.Refused, reason)
                    : row.Stored ? new(TrackedEventOutcome.Accepted)
                    : new(TrackedEventOutcome.Duplicate);
            }
        }

        return results.Select(r => r!).ToList();
    }

    private async Task WriteAsync(CsvImporter.Batch byEmail, CsvImporter.Batch byExternalId, CancellationToken ct)
    {
        if (suppression is not null)
        {
            // Loading the key may write it on another connection: before the transaction, which would hold SQLite's lock.
            await suppression.PrepareAsync(ct);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var sqlite = db.Database.IsSqlite();
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var (batch, matchOn) in new[] { (byEmail, ImportFields.Email), (byExternalId, ImportFields.ExternalId) })
        {
            if (batch.Events.Count == 0)
            {
                continue;
            }

            var mapping = new ImportMapping { MatchOn = matchOn };
            var writer = new BatchWriter(connection, sqlite, mapping, new RowParser(mapping, clock.GetUtcNow().UtcDateTime), clock);
            await writer.WriteAsync(batch, tx, ct);
        }

        if (suppression is not null && byEmail.Events.Count > 0)
        {
            await suppression.ApplyAsync(connection, tx, byEmail.Events.Select(e => (string?)e.CustomerKey), ct);
        }

        await tx.CommitAsync(ct);
    }
}
