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
            await using (var insert = await BulkInserter.CreateAsync(connection, tx, "Assignments", ["ExperimentId", "VariantId", "CustomerId", "AssignedAt", "Propensity"],
                             ct: ct, onConflict: "ON CONFLICT (\"ExperimentId\", \"CustomerId\") WHERE \"CustomerId\" IS NOT NULL DO NOTHING"))
            {
                foreach (var customerId in customerIds)
                {
                    // An adaptive experiment assigns only the customers of rounds that are due; the others wait for their round.
                    if (!picker.IsDue(customerId))
                    {
                        continue;
                    }

                    var arm = picker.Pick(customerId).Id;
                    await insert.InsertAsync(ct, experimentId, arm, customerId, now, picker.PropensityOf(arm));
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
            if (row.Assigned is null && !picker.IsDue(row.Id))
            {
                continue;
            }

            var arm = picker.ArmOf(row.Id, row.Assigned);
            counts[arm] = counts.GetValueOrDefault(arm) + 1;
        }

        return counts;
    }
}

/// <summary>
/// The arm of a customer: the one recorded for them, or else the deterministic pick of (salt, customer, weights) that the
/// next assignment will record. One rule for the start, the launch and the previews of both. The weights are the design's,
/// or for an adaptive experiment those of its latest round (and only customers of due rounds are assigned).
/// </summary>
public sealed class ArmPicker
{
    private readonly string _salt;
    private readonly IReadOnlyList<Variant> _weighted;
    private readonly double _total;
    private readonly int _rounds;
    private readonly int? _dueRound;

    private ArmPicker(string salt, IReadOnlyList<Variant> variants, IReadOnlyList<Variant> weighted, int rounds, int? dueRound)
    {
        _salt = salt;
        Variants = variants;
        _weighted = weighted;
        _total = weighted.Sum(v => Math.Max(0, v.Weight));
        _rounds = rounds;
        _dueRound = dueRound;
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

        var variants = experiment.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        if (experiment.Allocation != Allocation.Adaptive)
        {
            return new ArmPicker(experiment.AssignmentSalt, variants, variants, 1, null);
        }

        // Before the first round is logged (a draft's preview) the first round's equal weights apply.
        var round = await db.AllocationRounds.AsNoTracking().Where(r => r.ExperimentId == experimentId).OrderByDescending(r => r.Number).FirstOrDefaultAsync(ct);
        var weights = round is null ? variants.ToDictionary(v => v.Id, _ => 1.0) : AllocationWeights.Read(round.WeightsJson);
        var weighted = variants.Select(v => new Variant { Id = v.Id, Name = v.Name, IsControl = v.IsControl, IsHoldout = v.IsHoldout, SortOrder = v.SortOrder, Weight = weights.GetValueOrDefault(v.Id) }).ToList();
        return new ArmPicker(experiment.AssignmentSalt, variants, weighted, experiment.AllocationRounds, round?.Number ?? 0);
    }

    /// <summary>The arm a not yet assigned customer gets.</summary>
    public Variant Pick(long customerId)
    {
        var id = VariantPicker.Pick(_salt, customerId, _weighted).Id;
        return Variants.First(v => v.Id == id);
    }

    /// <summary>The share an arm has for customers assigned now: what each assignment records as its propensity.</summary>
    public double PropensityOf(int variantId) => _total > 0 ? Math.Max(0, _weighted.First(v => v.Id == variantId).Weight) / _total : 0;

    /// <summary>True when the customer may be assigned now: always for fixed allocation, once their round is due for adaptive.</summary>
    public bool IsDue(long customerId) => _dueRound is not { } due || AllocationRounds.RoundOf(_salt, customerId, _rounds) <= due;

    /// <summary>The customer's arm: <paramref name="assignedVariantId"/> when recorded (an assignment never changes), else the pick.</summary>
    public int ArmOf(long customerId, int? assignedVariantId) => assignedVariantId ?? Pick(customerId).Id;
}

/// <summary>The weights of an adaptive round as stored in <see cref="AllocationRound.WeightsJson"/>: variant id → share.</summary>
public static class AllocationWeights
{
    public static Dictionary<int, double> Read(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<int, double>>(json) ?? [];

    public static string Write(IReadOnlyDictionary<int, double> weights) => System.Text.Json.JsonSerializer.Serialize(weights);
}
