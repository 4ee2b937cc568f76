using CampaignStudio.Domain.Flows;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// Waits until a local time across daylight-saving changes (2026: Berlin springs forward on 29 March and falls back on
/// 25 October, New York on 8 March and 1 November). Expected instants worked out by hand from the zones' offsets.
/// </summary>
public sealed class LocalTimesTests
{
    private static readonly TimeZoneInfo Berlin = LocalTimes.Zone("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = LocalTimes.Zone("America/New_York");

    private static DateTime Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, DateTimeKind.Utc);

    [Fact]
    public void NineInTheMorningInBerlinIsAnHourEarlierInUtcOnceSummerTimeBegins()
    {
        // Saturday 10:00 CET: 09:00 has passed, so the next is Sunday 09:00, already summer time (UTC+2).
        LocalTimes.Next(Utc(3, 28, 9), Berlin, new TimeOnly(9, 0)).ShouldBe(Utc(3, 29, 7));
        LocalTimes.Next(Utc(3, 27, 9), Berlin, new TimeOnly(9, 0)).ShouldBe(Utc(3, 28, 8));
    }

    [Fact]
    public void ALocalTimeSkippedBySpringForwardBecomesTheFirstInstantAfterTheGap()
    {
        // 02:30 does not exist on 29 March in Berlin (02:00 → 03:00): the wait ends at 03:00 CEST = 01:00 UTC.
        LocalTimes.Next(Utc(3, 28, 12), Berlin, new TimeOnly(2, 30)).ShouldBe(Utc(3, 29, 1));
        LocalTimes.Next(Utc(3, 7, 12), NewYork, new TimeOnly(2, 15)).ShouldBe(Utc(3, 8, 7));
    }

    [Fact]
    public void ALocalTimeRepeatedByFallBackIsItsFirstOccurrence()
    {
        // 02:30 happens twice on 25 October in Berlin: first in summer time (UTC+2) = 00:30 UTC.
        LocalTimes.Next(Utc(10, 24, 12), Berlin, new TimeOnly(2, 30)).ShouldBe(Utc(10, 25, 0, 30));
        // 01:30 twice on 1 November in New York: first in EDT (UTC−4) = 05:30 UTC.
        LocalTimes.Next(Utc(10, 31, 12), NewYork, new TimeOnly(1, 30)).ShouldBe(Utc(11, 1, 5, 30));
    }

    [Fact]
    public void AfterFallBackNineInTheMorningIsInStandardTime()
    {
        LocalTimes.Next(Utc(10, 24, 12), Berlin, new TimeOnly(9, 0)).ShouldBe(Utc(10, 25, 8));
        LocalTimes.Next(Utc(10, 31, 14), NewYork, new TimeOnly(9, 0)).ShouldBe(Utc(11, 1, 14));
        LocalTimes.Next(Utc(3, 7, 15), NewYork, new TimeOnly(9, 0)).ShouldBe(Utc(3, 8, 13));
    }

    [Fact]
    public void OnlyTheAllowedDaysOfTheWeekCount()
    {
        // Friday 12 June 2026, noon in Berlin: the next Monday 09:00 is 15 June, 07:00 UTC.
        LocalTimes.Next(Utc(6, 12, 10), Berlin, new TimeOnly(9, 0), [DayOfWeek.Monday]).ShouldBe(Utc(6, 15, 7));
    }

    [Fact]
    public void QuietHoursOverMidnightEndAtTheirLocalEnd()
    {
        var from = new TimeOnly(21, 0);
        var until = new TimeOnly(8, 0);
        LocalTimes.QuietUntil(Utc(6, 15, 20, 30), Berlin, from, until).ShouldBe(Utc(6, 16, 6));
        LocalTimes.QuietUntil(Utc(6, 16, 5), Berlin, from, until).ShouldBe(Utc(6, 16, 6));
        LocalTimes.QuietUntil(Utc(6, 15, 12), Berlin, from, until).ShouldBeNull();
        LocalTimes.QuietUntil(Utc(6, 15, 20, 30), NewYork, from, until).ShouldBeNull();
    }

    [Fact]
    public void AnUnknownTimeZoneFallsBackToTheStudioDefault()
    {
        LocalTimes.Zone("Mars/Olympus", "Europe/Berlin").ShouldBe(Berlin);
        LocalTimes.Zone(null, null).ShouldBe(TimeZoneInfo.Utc);
    }
}
