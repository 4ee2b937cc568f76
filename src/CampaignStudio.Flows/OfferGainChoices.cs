using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows;

/// <summary>
/// An offer a flow's condition can ask "does it pay for this customer?" about: an arm (not the control) of an experiment
/// whose trained offer policy stored per-customer predicted gains, with how many customers it scored and how many it pays for.
/// </summary>
/// <param name="ExperimentId">The experiment the policy was trained on.</param>
/// <param name="Experiment">Its name.</param>
/// <param name="VariantId">The offer (arm).</param>
/// <param name="Offer">The offer's name.</param>
/// <param name="DiscountShare">The offer's discount as a share of the order (0.10 = 10 %).</param>
/// <param name="TrainedAt">When the policy whose predictions are stored finished training (UTC); null when the run is gone.</param>
/// <param name="Scored">Customers with a prediction for the offer.</param>
/// <param name="Pays">Of them, those whose predicted gain is positive.</param>
public sealed record OfferGainChoice(int ExperimentId, string Experiment, int VariantId, string Offer, double DiscountShare, DateTime? TrainedAt, int Scored, int Pays);

/// <summary>The offers with stored predictions (<see cref="PredictedOfferGain"/>), for the flow editor's pick lists, its API and the ready-made cart flow.</summary>
public static class OfferGainChoices
{
    /// <summary>Every offer with predictions, the most recently trained experiment first, then the offers in the experiment's order.</summary>
    public static async Task<IReadOnlyList<OfferGainChoice>> ListAsync(AppDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);

        // The counts written with the predictions: a row per offer, not a pass over a million predictions per editor open.
        var counts = await db.OfferGainSummaries.AsNoTracking()
            .Select(s => new { s.ExperimentId, s.VariantId, s.Scored, s.Pays, Run = s.TrainingRunId })
            .ToListAsync(ct);
        if (counts.Count == 0)
        {
            return [];
        }

        var variantIds = counts.Select(c => c.VariantId).ToList();
        var variants = await db.Variants.AsNoTracking().Where(v => variantIds.Contains(v.Id))
            .Select(v => new { v.Id, v.Name, v.SortOrder, v.DiscountShare, Experiment = db.Experiments.Where(e => e.Id == v.ExperimentId).Select(e => e.Name).FirstOrDefault() })
            .ToDictionaryAsync(v => v.Id, ct);
        var runIds = counts.Select(c => c.Run).Distinct().ToList();
        var trainedAt = await db.TrainingRuns.AsNoTracking().Where(r => runIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.FinishedAt, ct);
        return counts.Where(c => variants.ContainsKey(c.VariantId))
            .Select(c => (c, v: variants[c.VariantId]))
            .OrderByDescending(x => x.c.Run).ThenBy(x => x.v.SortOrder).ThenBy(x => x.c.VariantId)
            .Select(x => new OfferGainChoice(x.c.ExperimentId, x.v.Experiment ?? $"Experiment #{x.c.ExperimentId}", x.c.VariantId, x.v.Name, x.v.DiscountShare,
                trainedAt.GetValueOrDefault(x.c.Run), x.c.Scored, x.c.Pays))
            .ToList();
    }
}
