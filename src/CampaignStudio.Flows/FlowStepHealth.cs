using CampaignStudio.Analytics.Flows;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Flows;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows;

/// <summary>
/// A send step that is harmful (fewer conversions than its holdout, or too many opt-outs) or useless after the minimum
/// sample pauses itself: its campaigns (of every version) move to Paused with the reason in words, and the engine passes
/// customers by the step until a marketer resumes it — from then on only what happened since counts (docs/decisions/053-flows.md).
/// </summary>
public static class FlowStepHealth
{
    /// <summary>The step against its holdout, from the report's counts; null while a side has fewer than two customers.</summary>
    public static StepLiftReading? Read(FlowStepResult r, StepPauseRule? rule = null) =>
        StepLift.Read(Group(r.Mailed, r.MailedConversions, r.MailedValue), Group(r.HeldOut, r.HeldOutConversions, r.HeldOutValue), r.OptOuts, (double)r.OfferCost, rule);

    /// <summary>Checks every send step of every live flow; returns how many steps it paused.</summary>
    public static async Task<int> CheckAsync(AppDbContext db, DateTime now, StepPauseRule? rule = null, CancellationToken ct = default)
    {
        var paused = 0;
        var flows = await db.Flows.AsNoTracking().Where(f => f.Status == FlowStatus.Live && f.LiveVersionId != null)
            .Join(db.FlowVersions.AsNoTracking(), f => f.LiveVersionId, v => v.Id, (f, v) => new { f.Id, v.DefinitionJson }).ToListAsync(ct);
        foreach (var flow in flows)
        {
            if (FlowDefinitionJson.Parse(flow.DefinitionJson).Definition is not { } definition)
            {
                continue;
            }

            // Steps still sending, and since when they count (a marketer's resume starts the count anew).
            var sending = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == flow.Id && c.Status == CampaignStatus.Sending && c.FlowStepId != null)
                .GroupBy(c => c.FlowStepId!).Select(g => new { Step = g.Key, From = g.Max(c => c.HealthCountedFrom) }).ToDictionaryAsync(x => x.Step, x => x.From, ct);
            if (sending.Count == 0)
            {
                continue;
            }

            var results = await FlowStepResults.ReadAsync(db, flow.Id, definition, sending, ct);
            foreach (var result in results.Where(r => sending.ContainsKey(r.StepId)))
            {
                if (Read(result, rule) is not { Verdict: StepVerdict.Harmful or StepVerdict.Useless } reading)
                {
                    continue;
                }

                var reason = Truncate($"Paused automatically: {reading.Reason}", Domain.Limits.ShortText);
                var ids = await db.Campaigns.Where(c => c.FlowId == flow.Id && c.FlowStepId == result.StepId && c.Status == CampaignStatus.Sending)
                    .Select(c => c.Id).ToListAsync(ct);
                foreach (var id in ids)
                {
                    await CampaignMoves.TryAsync(db, id, CampaignLifecycle.Pause, ct,
                        s => s.SetProperty(c => c.AutoPausedAt, now).SetProperty(c => c.AutoPauseReason, reason));
                }

                paused++;
            }
        }

        return paused;
    }

    private static StepGroup Group(long customers, long conversions, ValueSums value)
    {
        if (customers < 2)
        {
            return new StepGroup(customers, conversions, new MeanSummary(customers, customers == 0 ? 0 : (double)value.Sum, 0));
        }

        var mean = value.Sum / customers;
        var variance = (value.SumOfSquares - (customers * mean * mean)) / (customers - 1);
        return new StepGroup(customers, conversions, new MeanSummary(customers, (double)mean, Math.Max(0, (double)variance)));
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
