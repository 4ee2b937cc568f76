using System.Globalization;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>A gain in money per customer with its 95 % interval.</summary>
public sealed record GainPerCustomer(double PerCustomer, double Lower, double Upper)
{
    public static GainPerCustomer Of(WeightedEstimate e) => new(e.Mean, e.Ci.Lower, e.Ci.Upper);

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{PerCustomer:0.00} per customer (95 % interval {Lower:0.00} to {Upper:0.00})");
}

/// <summary>A launched round's promise against what it brought (decision 044).</summary>
/// <param name="ExperimentId">The launched round.</param>
/// <param name="SourceExperimentId">The experiment whose policy was launched.</param>
/// <param name="Predicted">The source's doubly-robust gain of the recommended offers over "no message", as promised at the launch.</param>
/// <param name="RealisedAfter">When the campaign's attribution window closes (UTC); null without a campaign.</param>
/// <param name="Realised">The round's gain of the policy over "no message", weighted by the logged chances; null until the window closes.</param>
/// <param name="PolicyValue">The round's value per customer of the policy's offers (weighted).</param>
/// <param name="NoMessageValue">The round's value per customer with no message (weighted; the holdout is most of it).</param>
/// <param name="Customers">Customers of the round read.</param>
/// <param name="Summary">The sentence the pages and the API say.</param>
public sealed record PolicyRealised(int ExperimentId, int? SourceExperimentId, GainPerCustomer? Predicted, DateTime? RealisedAfter, GainPerCustomer? Realised,
    GainPerCustomer? PolicyValue, GainPerCustomer? NoMessageValue, int Customers, string Summary);

/// <summary>
/// Predicted against realised incremental value of a launched policy's round. The realised gain compares, in the round, the
/// customers who got the offer the policy gave them with those who got no message, each counted 1 ÷ (their logged chance of
/// their offer) (<see cref="PropensityWeighted.Contrast"/>): the explored customers who happened to draw the policy's offer,
/// and those whose policy offer was "no message", count too, so the estimate is the policy's value had everyone got it,
/// not the plain average of its recipients. Read only once the campaign's attribution window has closed.
/// </summary>
public sealed class PolicyRealisedService(IDbContextFactory<AppDbContext> dbFactory, GrossMarginStore margins, CurrentUser user, TimeProvider clock)
{
    /// <summary>Null when the experiment does not exist or is not a launched round.</summary>
    public async Task<PolicyRealised?> ReadAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var round = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct);
        if (round is null || round.PredictedGain is not { } predictedGain)
        {
            return null;
        }

        var predicted = new GainPerCustomer(predictedGain, round.PredictedGainLower ?? double.NaN, round.PredictedGainUpper ?? double.NaN);
        var campaign = await db.Campaigns.AsNoTracking().Where(c => c.ExperimentId == experimentId).OrderBy(c => c.Id)
            .Select(c => new { c.LaunchedAt, c.ScheduledAt, c.AttributionWindowDays }).FirstOrDefaultAsync(ct);
        var sent = campaign?.LaunchedAt ?? campaign?.ScheduledAt;
        var closes = sent?.AddDays(campaign!.AttributionWindowDays);
        var now = clock.GetUtcNow().UtcDateTime;
        if (closes is null || now < closes)
        {
            var after = closes is { } at ? string.Create(CultureInfo.InvariantCulture, $"Realised value after {at:yyyy-MM-dd HH:mm} UTC, when the campaign's attribution window closes.")
                : "Realised value once a campaign has mailed this round and its attribution window has closed.";
            return new PolicyRealised(experimentId, round.LaunchedFromExperimentId, predicted, closes, null, null, null, 0, $"Predicted gain over no message: {predicted.Describe()}. {after}");
        }

        // The no-message arm the launch held customers out with: the control when it sends nothing, else the first that does not.
        var arms = round.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        var control = arms.FindIndex(v => v.IsControl);
        var noMessage = control >= 0 && !arms[control].SendsAMessage ? control : arms.FindIndex(v => !v.SendsAMessage);
        var rows = await db.Assignments.AsNoTracking()
            .Where(a => a.ExperimentId == experimentId && a.Propensity != null && a.PolicyVariantId != null)
            .Select(a => new { a.VariantId, a.PolicyVariantId, a.Propensity, a.Converted, a.Revenue }).ToListAsync(ct);
        var index = arms.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var arm = rows.Select(r => index[r.VariantId]).ToArray();
        var margin = round.GrossMargin ?? await margins.GetAsync(ct);
        var value = OfferValue.Of(arm, [.. rows.Select(r => (double)(r.Revenue ?? 0m))], [.. rows.Select(r => r.Converted == true || r.Revenue > 0 ? 1 : 0)],
            [.. arms.Select(ArmOfferCosts.Of)], margin);
        var propensity = rows.Select(r => r.Propensity!.Value).ToArray();
        bool[] gotPolicy = [.. rows.Select(r => r.VariantId == r.PolicyVariantId)];
        bool[] gotNothing = [.. arm.Select(a => a == noMessage)];
        if (noMessage < 0 || !gotPolicy.Any(x => x) || !gotNothing.Any(x => x))
        {
            return new PolicyRealised(experimentId, round.LaunchedFromExperimentId, predicted, closes, null, null, null, rows.Count,
                $"Predicted gain over no message: {predicted.Describe()}. The realised gain cannot be read: nobody in this round got {(noMessage < 0 || !gotNothing.Any(x => x) ? "no message" : "the policy's offer")}.");
        }

        var realised = GainPerCustomer.Of(PropensityWeighted.Contrast(value, propensity, gotPolicy, gotNothing));
        var policyValue = GainPerCustomer.Of(PropensityWeighted.Contrast(value, propensity, gotPolicy, default));
        var noMessageValue = GainPerCustomer.Of(PropensityWeighted.Contrast(value, propensity, gotNothing, default));
        return new PolicyRealised(experimentId, round.LaunchedFromExperimentId, predicted, closes, realised, policyValue, noMessageValue, rows.Count,
            $"Predicted gain over no message: {predicted.Describe()}. Realised in this round: {realised.Describe()}, " +
            string.Create(CultureInfo.InvariantCulture, $"from {rows.Count:N0} customers, each weighted by their chance of the offer they got."));
    }
}
