using CampaignStudio.Domain.Flows;

namespace CampaignStudio.Flows.Tests;

/// <summary>The day a date trigger fires for one customer, in their own calendar.</summary>
public sealed class DateAnniversariesTests
{
    private static readonly TimeOnly Nine = new(9, 0);

    [Theory]
    [InlineData("1990-12-10", "2026-12-10 09:00", 0, true)]
    [InlineData("1990-12-10", "2026-12-10 08:59", 0, false)] // before the trigger's time of day
    [InlineData("1990-12-10", "2026-12-11 09:00", 0, false)]
    [InlineData("2000-02-29", "2027-02-28 09:00", 0, true)] // 29 February falls on 28 February in other years
    [InlineData("2000-02-29", "2028-02-28 09:00", 0, false)]
    [InlineData("2000-02-29", "2028-02-29 09:00", 0, true)]
    [InlineData("1985-01-03", "2026-12-27 09:00", -7, true)] // a week before, across the year end
    [InlineData("1985-12-28", "2027-01-04 09:00", 7, true)] // a week after, across the year end
    [InlineData("2026-06-15", "2026-06-15 10:00", 0, false)] // the day itself is not an anniversary
    [InlineData("2026-06-15", "2027-06-15 10:00", 0, true)]
    public void FiresOnTheAnniversaryPlusTheOffsetAfterTheTimeOfDay(string date, string localNow, int offsetDays, bool due) =>
        DateAnniversaries.IsDue(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture),
            DateTime.Parse(localNow, System.Globalization.CultureInfo.InvariantCulture), offsetDays, Nine).ShouldBe(due);

    [Theory]
    [InlineData("1990-12-10", 1990, 12, 10)]
    [InlineData("12-10", 2000, 12, 10)]
    [InlineData("02-29", 2000, 2, 29)]
    public void ReadsAFullDateOrAMonthAndDay(string text, int year, int month, int day) =>
        DateAnniversaries.Read(text).ShouldBe(new DateOnly(year, month, day));

    [Theory]
    [InlineData("10.12.1990")]
    [InlineData("13-01")]
    [InlineData("")]
    [InlineData(null)]
    public void AnythingElseIsNoDate(string? text) => DateAnniversaries.Read(text).ShouldBeNull();
}
