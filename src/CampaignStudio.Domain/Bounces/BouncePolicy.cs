namespace CampaignStudio.Domain.Bounces;

/// <summary>
/// When bounces and complaints stop mail to an address (configuration section <c>Bounces:Policy</c>). The defaults are the
/// ones mailbox providers expect of bulk senders: a hard bounce once, soft bounces three times within 30 days, a
/// complaint once.
/// </summary>
public sealed class BouncePolicy
{
    public const string Section = "Bounces:Policy";

    public int HardBouncesToSuppress { get; set; } = 1;
    public int SoftBouncesToSuppress { get; set; } = 3;
    public TimeSpan SoftBounceWindow { get; set; } = TimeSpan.FromDays(30);
    public int ComplaintsToSuppress { get; set; } = 1;

    /// <summary>
    /// Whether these soft bounces of one address (in any order: mailboxes deliver bounces late and out of order) hold
    /// <see cref="SoftBouncesToSuppress"/> within some <see cref="SoftBounceWindow"/>.
    /// </summary>
    public bool SoftBouncesSuppress(IEnumerable<DateTime> receivedAt)
    {
        ArgumentNullException.ThrowIfNull(receivedAt);
        var times = receivedAt.Order().ToList();
        var needed = Math.Max(1, SoftBouncesToSuppress);
        for (var i = 0; i + needed - 1 < times.Count; i++)
        {
            if (times[i + needed - 1] - times[i] <= SoftBounceWindow)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether an address with these counts (the new event included, soft bounces counted within
    /// <see cref="SoftBounceWindow"/>) is to be suppressed now.
    /// </summary>
    public bool Suppresses(BounceKind kind, int countOfKind) => kind switch
    {
        BounceKind.Hard => countOfKind >= Math.Max(1, HardBouncesToSuppress),
        BounceKind.Soft => countOfKind >= Math.Max(1, SoftBouncesToSuppress),
        BounceKind.Complaint => countOfKind >= Math.Max(1, ComplaintsToSuppress),
        _ => false,
    };
}
