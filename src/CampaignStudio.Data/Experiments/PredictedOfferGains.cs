using CampaignStudio.Data.Bulk;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Data.Experiments;

/// <summary>One customer's predicted gain from one offer, to be stored (see <see cref="Domain.Experiments.PredictedOfferGain"/>).</summary>
public readonly record struct OfferGainRow(long CustomerId, int VariantId, double Gain);

/// <summary>
/// The per-customer predicted gains of an experiment's latest trained offer policy: written set-based when a training
/// finishes (the previous run's rows of the experiment deleted, the new ones bulk-inserted, in one transaction, so a
/// reader sees one run or the other, never a mix), read by the flows' "the offer pays" condition; their per-offer counts
/// (<see cref="Domain.Experiments.OfferGainSummary"/>) are written with them.
/// </summary>
public static class PredictedOfferGains
{
    /// <summary>
    /// Which studio customer each row of the experiment is: the customer of a studio experiment's assignment, or the customer
    /// whose external id is an imported row's id (decision 044's rule). Rows that are no customer here are left out.
    /// </summary>
    public static async Task<Dictionary<long, long>> CustomerOfRowAsync(AppDbContext db, int experimentId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId)
            .Select(a => new { a.Id, a.CustomerId, a.RowKey }).ToListAsync(ct);
        return await CustomerOfRowAsync(db, rows.Select(r => (r.Id, r.CustomerId, (string?)r.RowKey)).ToList(), ct);
    }

    /// <summary>
    /// The same rule for rows the caller has already read (assignment id, its customer if any, its imported row id): the
    /// policy launcher reads more of each row, and asks this one place which customer a row is.
    /// </summary>
    public static async Task<Dictionary<long, long>> CustomerOfRowAsync(AppDbContext db, IReadOnlyCollection<(long Id, long? CustomerId, string? RowKey)> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        var keys = rows.Where(r => r.CustomerId is null && r.RowKey is not null).Select(r => r.RowKey!).Distinct().ToList();
        var byExternalId = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(2_000))
        {
            foreach (var c in await db.Customers.AsNoTracking().Where(c => c.ExternalId != null && chunk.Contains(c.ExternalId)).Select(c => new { c.Id, c.ExternalId }).ToListAsync(ct))
            {
                byExternalId.TryAdd(c.ExternalId!, c.Id);
            }
        }

        var customerOf = new Dictionary<long, long>(rows.Count);
        foreach (var row in rows)
        {
            long? customerId = row.CustomerId ?? (row.RowKey is { } key && byExternalId.TryGetValue(key, out var id) ? id : null);
            if (customerId is { } found)
            {
                customerOf[row.Id] = found;
            }
        }

        return customerOf;
    }

    /// <summary>
    /// Replaces the experiment's stored gains by <paramref name="rows"/> of training run <paramref name="trainingRunId"/>, in
    /// one transaction (its own, or the caller's). A customer's second row for the same offer is ignored. Returns the rows given.
    /// </summary>
    public static async Task<int> ReplaceAsync(AppDbContext db, int experimentId, long trainingRunId, IEnumerable<OfferGainRow> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await db.PredictedOfferGains.Where(g => g.ExperimentId == experimentId).ExecuteDeleteAsync(ct);
            var written = 0;
            await using (var insert = await BulkInserter.CreateAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction!.GetDbTransaction(), "PredictedOfferGains",
                             ["ExperimentId", "VariantId", "CustomerId", "TrainingRunId", "Gain"], ct: ct,
                             onConflict: "ON CONFLICT (\"ExperimentId\", \"VariantId\", \"CustomerId\") DO NOTHING"))
            {
                foreach (var row in rows)
                {
                    await insert.InsertAsync(ct, experimentId, row.VariantId, row.CustomerId, trainingRunId, row.Gain);
                    written++;
                }
            }

            // The per-offer counts the pick lists show, from the rows as stored (a customer's second row was ignored above).
            await db.OfferGainSummaries.Where(s => s.ExperimentId == experimentId).ExecuteDeleteAsync(ct);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "OfferGainSummaries" ("ExperimentId", "VariantId", "TrainingRunId", "Scored", "Pays")
                SELECT "ExperimentId", "VariantId", MAX("TrainingRunId"), COUNT(*), SUM(CASE WHEN "Gain" > 0 THEN 1 ELSE 0 END)
                FROM "PredictedOfferGains" WHERE "ExperimentId" = {experimentId}
                GROUP BY "ExperimentId", "VariantId"
                """, ct);

            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(ct);
            }

            return written;
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }
}
