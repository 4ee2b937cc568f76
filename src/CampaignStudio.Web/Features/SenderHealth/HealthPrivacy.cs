using CampaignStudio.Domain.Privacy;

namespace CampaignStudio.Web.Features.SenderHealth;

/// <summary>What came of the mail sent to one group (a campaign, a sending domain, a day): raw counts, never shown as they are.</summary>
public sealed record HealthCounts(long Sent, long HardBounced, long SoftBounced, long Complaints, long Unsubscribes)
{
    public static HealthCounts Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Sent and not bounced.</summary>
    public long Delivered => Sent - HardBounced - SoftBounced;

    public HealthCounts Add(HealthCounts other) => new(Sent + other.Sent, HardBounced + other.HardBounced, SoftBounced + other.SoftBounced,
        Complaints + other.Complaints, Unsubscribes + other.Unsubscribes);
}

/// <summary>A count as it may be shown: null when the group is too small; <see cref="About"/> when rounded to a multiple of k.</summary>
public readonly record struct ShownCount(long? Value, bool About = false);

/// <summary>A share (0.003 = 0.3 %) as it may be shown: null when hidden; <see cref="About"/> when made of a rounded count.</summary>
public readonly record struct ShownRate(double? Value, bool About = false);

/// <summary>
/// One group's figures after the small-groups rule. Hard- and soft-bounce rates = bounces / sent; complaint and unsubscribe
/// rates = complaints or unsubscribes / delivered (as mailbox providers count them).
/// </summary>
public sealed record HealthFigures(ShownCount Sent, ShownCount Delivered, ShownCount HardBounced, ShownCount SoftBounced, ShownCount Complaints,
    ShownCount Unsubscribes, ShownRate HardBounceRate, ShownRate SoftBounceRate, ShownRate ComplaintRate, ShownRate UnsubscribeRate);

/// <summary>
/// The studio's small-groups rule (decision 031, <see cref="SmallGroups"/>) applied to sender health: the people who
/// bounced, complained or unsubscribed are groups of customers. A count is hidden when it or its rest is smaller than k
/// ("3 of 1,000 complained" names a group of 3); a rate goes with its count and its base; delivered goes when a bounce
/// count is hidden (sent minus delivered would give it back). A total next to groups that hide a figure shows that
/// figure rounded to a multiple of k, so the total minus the shown groups does not give the hidden one away.
/// </summary>
public static class HealthPrivacy
{
    public static HealthFigures Apply(HealthCounts c, int k)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (SmallGroups.IsSuppressed(c.Sent, k))
        {
            return Hidden;
        }

        var hard = Part(c.HardBounced, c.Sent, k);
        var soft = Part(c.SoftBounced, c.Sent, k);
        var delivered = hard.Value is null || soft.Value is null || SmallGroups.IsSuppressedWithin(c.Delivered, c.Sent, k)
            ? new ShownCount(null) : new ShownCount(c.Delivered);
        var complaints = Part(c.Complaints, c.Delivered, k);
        var unsubscribes = Part(c.Unsubscribes, c.Delivered, k);
        return new HealthFigures(new ShownCount(c.Sent), delivered, hard, soft, complaints, unsubscribes,
            Rate(hard, new ShownCount(c.Sent)), Rate(soft, new ShownCount(c.Sent)), Rate(complaints, delivered), Rate(unsubscribes, delivered));
    }

    /// <summary>A total of <paramref name="parts"/>: each figure a part hides is shown rounded to a multiple of k here.</summary>
    public static HealthFigures ApplyTotal(HealthCounts total, IReadOnlyCollection<HealthCounts> parts, int k)
    {
        ArgumentNullException.ThrowIfNull(total);
        ArgumentNullException.ThrowIfNull(parts);
        var shown = Apply(total, k);
        var partFigures = parts.Select(p => Apply(p, k)).ToList();
        // A hidden zero counts too: "none of those 4 complained" is what hiding it protects.
        ShownCount Round(ShownCount own, Func<HealthFigures, ShownCount> figure) =>
            own.Value is { } v && partFigures.Any(p => figure(p).Value is null)
                ? new ShownCount((long)Math.Round((double)v / k) * k, About: true) : own;

        var sent = Round(shown.Sent, f => f.Sent);
        var delivered = Round(shown.Delivered, f => f.Delivered);
        var hard = Round(shown.HardBounced, f => f.HardBounced);
        var soft = Round(shown.SoftBounced, f => f.SoftBounced);
        var complaints = Round(shown.Complaints, f => f.Complaints);
        var unsubscribes = Round(shown.Unsubscribes, f => f.Unsubscribes);
        return new HealthFigures(sent, delivered, hard, soft, complaints, unsubscribes,
            Rate(hard, sent), Rate(soft, sent), Rate(complaints, delivered), Rate(unsubscribes, delivered));
    }

    private static readonly HealthFigures Hidden = new(new(null), new(null), new(null), new(null), new(null), new(null), new(null), new(null), new(null), new(null));

    private static ShownCount Part(long part, long total, int k) => SmallGroups.IsSuppressedWithin(part, total, k) ? new ShownCount(null) : new ShownCount(part);

    private static ShownRate Rate(ShownCount part, ShownCount of) =>
        part.Value is { } p && of.Value is { } n && n > 0 ? new ShownRate((double)p / n, part.About || of.About) : new ShownRate(null);
}
