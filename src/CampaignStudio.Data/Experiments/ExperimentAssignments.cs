using CampaignStudio.Data.Bulk;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Data.Experiments;

/// <summary>
/// Records which arm each customer is in. An assignment, once made, never changes: customers already assigned keep their
/// row (insert-if-absent on the unique (experiment, customer) index), so a relaunch or a second instance cannot move anyone.
/// </summary>
public static class ExperimentAssignments
{
    /// <summary>
    /// Assigns every customer not yet in the experiment and returns the arm of each given customer.
    /// Runs inside the caller's transaction when there is one (a campaign launch creates assignments and messages together).
    /// </summary>
    public static async Task<IReadOnlyDictionary<long, int>> AssignAsync(AppDbContext db, int experimentId, IReadOnlyCollection<long> customerIds,
        DateTime now, CancellationToken ct = default)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).SingleAsync(e => e.Id == experimentId, ct);
        var variants = experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        if (string.IsNullOrEmpty(experiment.AssignmentSalt))
        {
            throw new InvalidOperationException($"Experiment {experimentId} has no assignment salt.");
        }

        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            var connection = db.Database.GetDbConnection();
            var tx = db.Database.CurrentTransaction!.GetDbTransaction();
            await using (var insert = await BulkInserter.CreateAsync(connection, tx, "Assignments", ["ExperimentId", "VariantId", "CustomerId", "AssignedAt"],
                             ct: ct, onConflict: "ON CONFLICT (\"ExperimentId\", \"CustomerId\") WHERE \"CustomerId\" IS NOT NULL DO NOTHING"))
            {
                foreach (var customerId in customerIds)
                {
                    var variant = VariantPicker.Pick(experiment.AssignmentSalt, customerId, variants);
                    await insert.InsertAsync(ct, experimentId, variant.Id, customerId, now);
                }
            }

            // Read back rather than trust the pick: an earlier assignment (other weights, older launch) wins.
            var assigned = new Dictionary<long, int>(customerIds.Count);
            foreach (var chunk in customerIds.Chunk(5_000))
            {
                var rows = await db.Assignments.AsNoTracking()
                    .Where(a => a.ExperimentId == experimentId && a.CustomerId != null && chunk.Contains(a.CustomerId.Value))
                    .Select(a => new { CustomerId = a.CustomerId!.Value, a.VariantId })
                    .ToListAsync(ct);
                foreach (var row in rows)
                {
                    assigned[row.CustomerId] = row.VariantId;
                }
            }

            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(ct);
            }

            return assigned;
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
