using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// The per-customer frequency cap, the one rule for campaigns and flows: how many marketing mails a customer got in the
/// last 24 hours and the last 7 days (rolling windows), over every campaign and every flow step.
/// </summary>
public static class FrequencyCap
{
    /// <summary>
    /// Customers the cap stops now, with the reason in words. <paramref name="countQueued"/> also counts mail queued or being
    /// sent in the window (a flow deciding whether to queue one more); the send pipeline counts only mail that left, so two
    /// queued mails never both give way to each other.
    /// </summary>
    public static async Task<Dictionary<long, string>> OverCapAsync(AppDbContext db, IReadOnlyCollection<long> customerIds, SendingRules rules,
        DateTime now, bool countQueued, CancellationToken ct = default)
    {
        var over = new Dictionary<long, string>();
        if (!rules.HasFrequencyCap || customerIds.Count == 0)
        {
            return over;
        }

        var weekAgo = now.AddDays(-7);
        var dayAgo = now.AddDays(-1);
        foreach (var chunk in customerIds.Chunk(500))
        {
            var recent = await db.Messages.AsNoTracking()
                .Where(m => chunk.Contains(m.CustomerId)
                    && ((m.Status == MessageStatus.Sent && m.SentAt >= weekAgo)
                        || (countQueued && (m.Status == MessageStatus.Queued || m.Status == MessageStatus.Sending) && m.QueuedAt >= weekAgo)))
                .Select(m => new { m.CustomerId, At = m.SentAt ?? m.QueuedAt })
                .ToListAsync(ct);
            foreach (var customer in recent.GroupBy(m => m.CustomerId))
            {
                var day = customer.Count(m => m.At >= dayAgo);
                var week = customer.Count();
                if (rules.MaxPerDay is { } perDay && day >= perDay)
                {
                    over[customer.Key] = $"Frequency cap: {day} mails in the last 24 hours (at most {perDay}).";
                }
                else if (rules.MaxPerWeek is { } perWeek && week >= perWeek)
                {
                    over[customer.Key] = $"Frequency cap: {week} mails in the last 7 days (at most {perWeek}).";
                }
            }
        }

        return over;
    }
}
