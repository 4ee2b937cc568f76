using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Flows;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Flows;

/// <summary>What one send step of a flow did, over all its versions, against its own holdout.</summary>
/// <param name="StepId">The step's id (stable across versions).</param>
/// <param name="Mailed">Customers the step queued a mail for (whether or not it left: the send pipeline may still refuse it).</param>
/// <param name="Sent">Mails that left.</param>
/// <param name="HeldOut">Customers its holdout kept back.</param>
/// <param name="Skipped">Customers the step passed by without a draw (not mailable, frequency cap; see the visits' notes): on neither side.</param>
/// <param name="Opened">Sent mails opened.</param>
/// <param name="Clicked">Sent mails clicked.</param>
/// <param name="OptOuts">Unsubscribes from the step's mails plus spam complaints about them.</param>
/// <param name="MailedConversions">Mailed customers who reached the goal within the conversion window.</param>
/// <param name="HeldOutConversions">Held-out customers who reached the goal within the window.</param>
/// <param name="MailedValue">Purchases of the mailed within the window, and the sum of each customer's square (for the variance).</param>
/// <param name="HeldOutValue">The same for the held out.</param>
/// <param name="OfferCost">What the step's offer costs per conversion.</param>
public sealed record FlowStepResult(
    string StepId, int Mailed, int Sent, int HeldOut, int Skipped, int Opened, int Clicked, int OptOuts,
    int MailedConversions, int HeldOutConversions, ValueSums MailedValue, ValueSums HeldOutValue, decimal OfferCost);

/// <summary>Sum and sum of squares of a value per customer: all a mean and a variance need, exact in decimals.</summary>
public readonly record struct ValueSums(decimal Sum, decimal SumOfSquares)
{
    public static ValueSums Of(IEnumerable<decimal> values) =>
        values.Aggregate(default(ValueSums), (s, v) => new ValueSums(s.Sum + v, s.SumOfSquares + (v * v)));
}

/// <summary>
/// Reads every send step of a flow against its holdout. The engine draws the holdout last, among the customers the step would
/// really mail (consent, suppression and the frequency cap are checked before the draw), so the two sides are the customers
/// it queued a mail for and those the draw kept back — like with like, by intention to treat (a queued mail the pipeline then
/// refuses still counts as mailed), each from the moment they reached the step. A conversion is the flow's goal (an order
/// when the goal is <c>order_placed</c> or there is none) within the conversion window; value is what they bought in it.
/// </summary>
public static class FlowStepResults
{
    /// <param name="countFrom">Per step, the moment from which its customers count (a resume after a pause); missing or null: all.</param>
    public static async Task<IReadOnlyList<FlowStepResult>> ReadAsync(AppDbContext db, int flowId, FlowDefinition definition,
        IReadOnlyDictionary<string, DateTime?>? countFrom = null, CancellationToken ct = default)
    {
        var steps = new FlowMap(definition).Steps.OfType<SendEmailStep>().ToList();
        if (steps.Count == 0)
        {
            return [];
        }

        var stepIds = steps.Select(s => s.Id).ToList();
        var window = definition.ConversionWindowDays;
        var goal = definition.Goal?.Event.EventType ?? EventMatch.Purchase;
        var byPurchase = goal == EventMatch.Purchase;
        var counted = new[] { FlowStepOutcome.Sent, FlowStepOutcome.HeldOut, FlowStepOutcome.Skipped };
        var visits = await db.FlowStepVisits.AsNoTracking()
            .Where(v => v.FlowId == flowId && stepIds.Contains(v.StepId) && counted.Contains(v.Outcome))
            .Select(v => new
            {
                v.StepId,
                v.Outcome,
                v.At,
                Converted = (byPurchase && db.Purchases.Any(p => p.CustomerId == v.CustomerId && p.PurchasedAt >= v.At && p.PurchasedAt <= v.At.AddDays(window)))
                    || db.CustomerEvents.Any(e => e.CustomerId == v.CustomerId && e.Type == goal && e.OccurredAt >= v.At && e.OccurredAt <= v.At.AddDays(window)),
                Value = db.Purchases.Where(p => p.CustomerId == v.CustomerId && p.PurchasedAt >= v.At && p.PurchasedAt <= v.At.AddDays(window)).Sum(p => p.Amount),
            })
            .ToListAsync(ct);
        if (countFrom is not null)
        {
            visits = [.. visits.Where(v => countFrom.GetValueOrDefault(v.StepId) is not { } from || v.At >= from)];
        }

        // Mail and opt-outs per step, each from the moment the step counts from (a resumed step starts anew).
        var mail = new Dictionary<string, (int Sent, int Opened, int Clicked, int Complained)>();
        var unsubscribed = new Dictionary<string, int>();
        foreach (var step in steps)
        {
            var stepId = step.Id;
            var from = countFrom?.GetValueOrDefault(stepId) ?? DateTime.MinValue;
            var campaigns = db.Campaigns.Where(c => c.FlowId == flowId && c.FlowStepId == stepId).Select(c => c.Id);
            var sent = db.Messages.AsNoTracking().Where(m => campaigns.Contains(m.CampaignId) && m.Status == MessageStatus.Sent && m.SentAt >= from);
            var counts = await sent.GroupBy(m => 1).Select(g => new
            {
                Sent = g.Count(),
                Opened = g.Count(m => m.OpenedAt != null),
                Clicked = g.Count(m => m.ClickedAt != null),
                Complained = g.Count(m => m.ComplainedAt != null),
            }).FirstOrDefaultAsync(ct);
            mail[stepId] = counts is null ? default : (counts.Sent, counts.Opened, counts.Clicked, counts.Complained);
            unsubscribed[stepId] = await db.ConsentRecords.AsNoTracking()
                .Where(r => r.Status == ConsentStatus.OptedOut && r.CampaignId != null && campaigns.Contains(r.CampaignId.Value) && r.RecordedAt >= from)
                .Select(r => r.CustomerId).Distinct().CountAsync(ct);
        }

        var results = new List<FlowStepResult>(steps.Count);
        foreach (var step in steps)
        {
            var mailed = visits.Where(v => v.StepId == step.Id && v.Outcome == FlowStepOutcome.Sent).ToList();
            var heldOut = visits.Where(v => v.StepId == step.Id && v.Outcome == FlowStepOutcome.HeldOut).ToList();
            var sent = mail[step.Id];
            var optOuts = sent.Complained + unsubscribed[step.Id];
            results.Add(new FlowStepResult(step.Id, mailed.Count, sent.Sent, heldOut.Count, visits.Count(v => v.StepId == step.Id && v.Outcome == FlowStepOutcome.Skipped),
                sent.Opened, sent.Clicked, Math.Min(optOuts, mailed.Count), mailed.Count(v => v.Converted), heldOut.Count(v => v.Converted),
                ValueSums.Of(mailed.Select(v => v.Value)), ValueSums.Of(heldOut.Select(v => v.Value)), step.OfferCost ?? 0));
        }

        return results;
    }
}
