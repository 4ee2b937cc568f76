using System.Globalization;

namespace CampaignStudio.Domain.Campaigns;

/// <summary>
/// When a sending campaign pauses itself because it hurts the sender's reputation. The hard-bounce rate is hard bounces
/// over messages sent; the complaint rate is spam complaints over messages delivered (sent and not bounced), as mailbox
/// providers count it. Each rule applies only from its minimum number of sent (or delivered) messages, so a handful of
/// early bounces does not stop a campaign. Defaults: hard bounces 5 % after 500 sent, complaints 0.3 % (Gmail's and
/// Yahoo's limit for bulk senders) after 1,000 delivered.
/// </summary>
/// <param name="HardBounceRate">A share, e.g. 0.05 for 5 %; the campaign pauses when its hard-bounce rate reaches it.</param>
/// <param name="HardBounceMinimumSent">Sent messages before the hard-bounce rule applies.</param>
/// <param name="ComplaintRate">A share, e.g. 0.003 for 0.3 %; the campaign pauses when its complaint rate reaches it.</param>
/// <param name="ComplaintMinimumDelivered">Delivered messages before the complaint rule applies.</param>
public sealed record AutomaticPauseLimits(double HardBounceRate, int HardBounceMinimumSent, double ComplaintRate, int ComplaintMinimumDelivered)
{
    public static AutomaticPauseLimits Default { get; } = new(0.05, 500, 0.003, 1_000);

    /// <summary>Why these limits cannot be saved, in words; null when they can.</summary>
    public string? Problem =>
        HardBounceRate is <= 0 or > 1 || double.IsNaN(HardBounceRate) ? "The hard-bounce limit must be above 0 % and at most 100 %."
        : ComplaintRate is <= 0 or > 1 || double.IsNaN(ComplaintRate) ? "The complaint limit must be above 0 % and at most 100 %."
        : HardBounceMinimumSent < 1 ? "The hard-bounce rule needs at least 1 sent message before it applies."
        : ComplaintMinimumDelivered < 1 ? "The complaint rule needs at least 1 delivered message before it applies."
        : null;

    /// <summary>The limits in one sentence, as the settings and the health page state them.</summary>
    public string Describe() =>
        FormattableString.Invariant($"A sending campaign pauses itself when its hard bounces reach {Percent(HardBounceRate)} of sent mail (from {HardBounceMinimumSent:N0} sent) ") +
        FormattableString.Invariant($"or its spam complaints reach {Percent(ComplaintRate)} of delivered mail (from {ComplaintMinimumDelivered:N0} delivered).");

    /// <summary>A share as a percentage with as many decimals as it needs ("5 %", "0.3 %").</summary>
    public static string Percent(double share) => (share * 100).ToString("0.###", CultureInfo.InvariantCulture) + " %";
}

/// <summary>Which rule paused a campaign.</summary>
public enum AutomaticPauseCause
{
    HardBounces,
    Complaints,
}

/// <summary>The automatic pause rule: pure, so the send worker and the bounce ledger ask the same question.</summary>
public static class AutomaticPause
{
    /// <summary>
    /// Which rule, if any, says the campaign must pause, given its messages sent and what came back. Hard bounces are
    /// looked at first: an address list gone bad is the larger harm and also lowers the delivered count complaints are read on.
    /// </summary>
    public static AutomaticPauseCause? Check(AutomaticPauseLimits limits, int sent, int hardBounced, int softBounced, int complained)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var delivered = sent - hardBounced - softBounced;
        if (sent >= limits.HardBounceMinimumSent && sent > 0 && Reaches(hardBounced, sent, limits.HardBounceRate))
        {
            return AutomaticPauseCause.HardBounces;
        }

        if (delivered >= limits.ComplaintMinimumDelivered && delivered > 0 && Reaches(complained, delivered, limits.ComplaintRate))
        {
            return AutomaticPauseCause.Complaints;
        }

        return null;
    }

    /// <summary>Why the campaign paused, in words without customer counts (the campaign page shows the counts by the small-groups rule).</summary>
    public static string Reason(AutomaticPauseCause cause, AutomaticPauseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return cause switch
        {
            AutomaticPauseCause.HardBounces =>
                FormattableString.Invariant($"Paused automatically: hard bounces reached {AutomaticPauseLimits.Percent(limits.HardBounceRate)} of the mail sent (the limit, from {limits.HardBounceMinimumSent:N0} sent). ") +
                "The address list may be old or bought; check it before resuming.",
            _ =>
                FormattableString.Invariant($"Paused automatically: spam complaints reached {AutomaticPauseLimits.Percent(limits.ComplaintRate)} of the mail delivered (the limit, from {limits.ComplaintMinimumDelivered:N0} delivered). ") +
                "Mailbox providers block senders above 0.3 %; check who is mailed and what before resuming.",
        };
    }

    // Integers against the limit with a hair of slack, so 3 of 1,000 reaches 0.3 % despite binary fractions.
    private static bool Reaches(int part, int total, double limit) => part > 0 && part >= (limit * total) - 1e-9;
}
