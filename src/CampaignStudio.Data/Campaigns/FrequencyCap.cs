using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// The per-customer frequency cap, the one rule for campaigns and flows: how many marketing mails a customer got in the
/// last 24 hours and the last 7 days (rolling windows), over every campaign and every flow step.
/// </summary>
public static class FrequencyCap
{
    /// <summary>Marketing mails of one customer in the two rolling windows.</summary>
    public readonly record struct MailCounts(int LastDay, int LastWeek)
    {
        /// <summary>The counts with one more mail in both windows (a mail queued now).</summary>
        public MailCounts PlusOne() => new(LastDay + 1, LastWeek + 1);
    }

    /// <summary>
    /// Customers the cap stops now, with the reason in words. <paramref name="countQueued"/> also counts mail queued or being
    /// sent in the window (a flow deciding whether to queue one more); the send pipeline counts only mail that left, so two
    /// queued mails never both give way to each other.
    /// </summary>
    public static async Task<Dictionary<long, string>> OverCapAsync(AppDbContext db, IReadOnlyCollection<long> customerIds, SendingRules rules,
        DateTime now, bool countQueued, CancellationToken ct = default)
    {
        var over = new Dictionary<long, string>();
        foreach (var (customerId, counts) in await CountsAsync(db, customerIds, rules, now, countQueued, ct))
        {
            if (Reason(counts, rules) is { } reason)
            {
                over[customerId] = reason;
            }
        }

        return over;
    }

    /// <summary>
    /// How many mails each customer got in the windows (customers with none are left out), read for a whole batch at once;
    /// empty when the rules set no cap. A caller that queues mail itself adds it with <see cref="MailCounts.PlusOne"/>.
    /// </summary>
    public static async Task<Dictionary<long, MailCounts>> CountsAsync(AppDbContext db, IReadOnlyCollection<long> customerIds, SendingRules rules,
        DateTime now, bool countQueued, CancellationToken ct = default)
    {
        var counts = new Dictionary<long, MailCounts>();
        if (!rules.HasFrequencyCap || customerIds.Count == 0)
        {
            return counts;
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
                counts[customer.Key] = new MailCounts(customer.Count(m => m.At >= dayAgo), customer.Count());
            }
        }

        return counts;
    }

    /// <summary>Why the cap stops one more mail to a customer with these counts, in words; null when it may go.</summary>
    public static string? Reason(MailCounts counts, SendingRules rules) =>
        rules.MaxPerDay is { } perDay && counts.LastDay >= perDay ? $"Frequency cap: {counts.LastDay} mails in the last 24 hours (at most {perDay})."
        : rules.MaxPerWeek is { } perWeek && counts.LastWeek >= perWeek ? $"Frequency cap: {counts.LastWeek} mails in the last 7 days (at most {perWeek})."
        : null;
}
