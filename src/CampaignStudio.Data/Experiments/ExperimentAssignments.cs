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
        var picker = await ArmPicker.LoadAsync(db, experimentId, ct);
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
                    await insert.InsertAsync(ct, experimentId, picker.Pick(customerId).Id, customerId, now);
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

    /// <summary>
    /// How many of these customers are, or at the next assignment would be, in each arm (variant id → customers) — without
    /// writing anything: what a start or a launch is about to do.
    /// </summary>
    public static async Task<IReadOnlyDictionary<int, int>> PreviewAsync(AppDbContext db, int experimentId, IQueryable<long> customerIds, CancellationToken ct = default)
    {
        var picker = await ArmPicker.LoadAsync(db, experimentId, ct);
        var counts = picker.Variants.ToDictionary(v => v.Id, _ => 0);
        var rows = customerIds.Select(id => new
        {
            Id = id,
            Assigned = db.Assignments.Where(a => a.ExperimentId == experimentId && a.CustomerId == id).Select(a => (int?)a.VariantId).FirstOrDefault(),
        });
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            var arm = picker.ArmOf(row.Id, row.Assigned);
            counts[arm] = counts.GetValueOrDefault(arm) + 1;
        }

        return counts;
    }
}

/// <summary>
/// The arm of a customer: the one recorded for them, or else the deterministic pick of (salt, customer, weights) that the
/// next assignment will record. One rule for the start, the launch and the previews of both.
/// </summary>
public sealed class ArmPicker
{
    private readonly string _salt;

    private ArmPicker(string salt, IReadOnlyList<Variant> variants)
    {
        _salt = salt;
        Variants = variants;
    }

    /// <summary>The arms in assignment order (sort order, then id).</summary>
    public IReadOnlyList<Variant> Variants { get; }

    public static async Task<ArmPicker> LoadAsync(AppDbContext db, int experimentId, CancellationToken ct = default)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).SingleAsync(e => e.Id == experimentId, ct);
        if (string.IsNullOrEmpty(experiment.AssignmentSalt))
        {
            throw new InvalidOperationException($"Experiment {experimentId} has no assignment salt.");
        }

        return new ArmPicker(experiment.AssignmentSalt, experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList());
    }

    /// <summary>The arm a not yet assigned customer gets.</summary>
    public Variant Pick(long customerId) => VariantPicker.Pick(_salt, customerId, Variants);

    /// <summary>The customer's arm: <paramref name="assignedVariantId"/> when recorded (an assignment never changes), else the pick.</summary>
    public int ArmOf(long customerId, int? assignedVariantId) => assignedVariantId ?? Pick(customerId).Id;
}
