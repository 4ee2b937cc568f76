namespace CampaignStudio.Domain.Flows;

/// <summary>
/// Local clock times in a customer's time zone turned into instants, correct across daylight-saving changes: a local time
/// that does not exist (the clock jumps forward over it) becomes the first instant after the gap, an ambiguous one (the
/// clock goes back over it) the first of its two instants.
/// </summary>
public static class LocalTimes
{
    /// <summary>The zone of an IANA id; <paramref name="fallback"/> (then UTC) when the id is missing or unknown.</summary>
    public static TimeZoneInfo Zone(string? ianaId, string? fallback = null)
    {
        foreach (var id in new[] { ianaId, fallback })
        {
            if (!string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone))
            {
                return zone;
            }
        }

        return TimeZoneInfo.Utc;
    }

    /// <summary>The UTC instant of a local wall-clock time in <paramref name="zone"/> (see the class remarks for gaps and overlaps).</summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // Inside the spring-forward gap: the first local minute that exists is the instant the clock jumped.
            var probe = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
            while (zone.IsInvalidTime(probe))
            {
                probe = probe.AddMinutes(1);
            }

            return TimeZoneInfo.ConvertTimeToUtc(probe, zone);
        }

        if (zone.IsAmbiguousTime(local))
        {
            // The earlier of the two instants carries the larger offset (daylight time, before the clock goes back).
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    /// <summary>
    /// The next instant after <paramref name="nowUtc"/> at which the local clock in <paramref name="zone"/> shows
    /// <paramref name="at"/>, on one of <paramref name="days"/> (any day when null or empty).
    /// </summary>
    public static DateTime Next(DateTime nowUtc, TimeZoneInfo zone, TimeOnly at, IReadOnlyCollection<DayOfWeek>? days = null)
    {
        nowUtc = DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(nowUtc, zone));
        for (var d = 0; d <= 8; d++)
        {
            var date = today.AddDays(d);
            if (days is { Count: > 0 } && !days.Contains(date.DayOfWeek))
            {
                continue;
            }

            var instant = ToUtc(date.ToDateTime(at), zone);
            if (instant > nowUtc)
            {
                return instant;
            }
        }

        throw new InvalidOperationException("No day of the week was allowed.");
    }

    /// <summary>
    /// When quiet hours (<paramref name="from"/>–<paramref name="until"/> local, e.g. 21:00–08:00 over midnight) are over,
    /// if <paramref name="nowUtc"/> falls inside them; null when it does not (or from equals until: no quiet hours).
    /// </summary>
    public static DateTime? QuietUntil(DateTime nowUtc, TimeZoneInfo zone, TimeOnly from, TimeOnly until)
    {
        if (from == until)
        {
            return null;
        }

        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc), zone));
        var inside = from < until ? local >= from && local < until : local >= from || local < until;
        return inside ? Next(nowUtc, zone, until) : null;
    }
}
