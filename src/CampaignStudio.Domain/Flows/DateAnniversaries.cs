using System.Globalization;

namespace CampaignStudio.Domain.Flows;

/// <summary>
/// When a date trigger (<see cref="DateTrigger"/>) fires for one customer: on the date's anniversary plus the offset, as a
/// day of the customer's own calendar, once their local clock has passed the trigger's time of day. Only anniversaries
/// after the date itself count (a customer who signs up today has no first anniversary today), and 29 February falls on
/// 28 February in other years.
/// </summary>
public static class DateAnniversaries
{
    /// <summary>
    /// True when <paramref name="date"/> + <paramref name="offsetDays"/> is the day of <paramref name="localNow"/> in some
    /// year after the date's own, and the local time of day is <paramref name="at"/> or later. The offset is taken back
    /// from today (not added to this year's anniversary), so "7 days before 3 January" is 27 December of the year before.
    /// </summary>
    public static bool IsDue(DateOnly date, DateTime localNow, int offsetDays, TimeOnly at)
    {
        if (TimeOnly.FromDateTime(localNow) < at)
        {
            return false;
        }

        var day = DateOnly.FromDateTime(localNow).AddDays(-offsetDays);
        return day.Year > date.Year && Anniversary(date, day.Year) == day;
    }

    /// <summary>The date's day in <paramref name="year"/>; 29 February falls on 28 February in other years.</summary>
    public static DateOnly Anniversary(DateOnly date, int year) =>
        new(year, date.Month, Math.Min(date.Day, DateTime.DaysInMonth(year, date.Month)));

    /// <summary>A date attribute as customers' data holds it: <c>yyyy-MM-dd</c>, or <c>MM-dd</c> with no year (read as year 2000); else null.</summary>
    public static DateOnly? Read(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
        : DateOnly.TryParseExact("2000-" + text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var md) ? md
        : null;
}
