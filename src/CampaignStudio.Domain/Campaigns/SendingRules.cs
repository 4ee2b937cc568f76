namespace CampaignStudio.Domain.Campaigns;

/// <summary>
/// Rules every marketing mail obeys, campaigns and flows alike: a per-customer frequency cap (at most this many mails in any
/// 24 hours / any 7 days; off when null) and quiet hours in the customer's local time (flows wait them out; off when null),
/// and the studio's time zone for customers without one. Off by default.
/// </summary>
public sealed record SendingRules(int? MaxPerDay, int? MaxPerWeek, TimeOnly? QuietFrom, TimeOnly? QuietUntil, string DefaultTimeZone)
{
    public static SendingRules Default { get; } = new(null, null, null, null, "UTC");

    public bool HasFrequencyCap => MaxPerDay is > 0 || MaxPerWeek is > 0;

    public bool HasQuietHours => QuietFrom is { } from && QuietUntil is { } until && from != until;

    /// <summary>Why these rules cannot be saved, in words; null when they can.</summary>
    public string? Problem =>
        MaxPerDay is < 1 or > 100 ? "At most per day must be between 1 and 100 (or empty for no cap)."
        : MaxPerWeek is < 1 or > 500 ? "At most per week must be between 1 and 500 (or empty for no cap)."
        : MaxPerDay is { } d && MaxPerWeek is { } w && w < d ? "The weekly cap cannot be below the daily cap."
        : QuietFrom.HasValue != QuietUntil.HasValue ? "Quiet hours need both a start and an end."
        : QuietFrom is { } f && f == QuietUntil ? "Quiet hours cannot start and end at the same time."
        : string.IsNullOrWhiteSpace(DefaultTimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(DefaultTimeZone, out _)
            ? $"\"{DefaultTimeZone}\" is not a time zone (use an IANA name such as Europe/Berlin)."
        : null;
}
