using CampaignStudio.Analytics.SendTime;

namespace CampaignStudio.Analytics.Tests.SendTime;

public class SendTimeProfileTests
{
    private static readonly DateTime Monday = new(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);

    // Everyone reads at 9:00 on weekdays, mostly.
    private static readonly double[] _population = SendTimeProfile.Population(
        [.. Enumerable.Range(0, 168).Select(h => h % 24 == 9 && h < 120 ? 100 : 1)]);

    [Fact]
    public void HourOfWeekStartsOnMondayMidnight()
    {
        SendTimeProfile.HourOfWeek(Monday).ShouldBe(0);
        SendTimeProfile.HourOfWeek(Monday.AddHours(9)).ShouldBe(9);
        SendTimeProfile.HourOfWeek(Monday.AddDays(6).AddHours(23)).ShouldBe(167);
    }

    [Fact]
    public void WithoutHistoryTheCustomerGetsThePopulationsBestHour()
    {
        var profile = SendTimeProfile.For([], _population);

        profile.Events.ShouldBe(0);
        profile.BestHourOfWeek.ShouldBe(9);
        profile.Probabilities.Sum().ShouldBe(1, 1e-12);
    }

    [Fact]
    public void ThinHistoryIsShrunkTowardThePopulation()
    {
        // One evening open on a Wednesday is not enough to outweigh everyone's weekday mornings (κ = 10):
        // θ(Wed 21:00) = (1 + 10·0.002) / 11 ≈ 0.093 against θ(Mon 9:00) = 10·0.134 / 11 ≈ 0.122.
        var evening = Monday.AddDays(2).AddHours(21);
        var profile = SendTimeProfile.For([evening], _population);

        profile.BestHourOfWeek.ShouldBe(9);
        profile.Probabilities[SendTimeProfile.HourOfWeek(evening)].ShouldBeGreaterThan(_population[SendTimeProfile.HourOfWeek(evening)]);
    }

    [Fact]
    public void AFewConsistentOpensWin()
    {
        var evening = Monday.AddDays(2).AddHours(21);
        var profile = SendTimeProfile.For(Enumerable.Range(0, 3).Select(w => evening.AddDays(7 * w)), _population);

        profile.BestHourOfWeek.ShouldBe(2 * 24 + 21);
    }

    [Fact]
    public void NextBestSendTimeIsTheBestHourWithinTheNextDay()
    {
        var profile = SendTimeProfile.For([], _population);

        // Tuesday 10:30: the next 9:00 is Wednesday's.
        profile.NextBestSendTime(Monday.AddDays(1).AddHours(10.5)).ShouldBe(Monday.AddDays(2).AddHours(9));

        // Tuesday 9:20 is inside the best hour already: deliver now.
        var now = Monday.AddDays(1).AddHours(9).AddMinutes(20);
        profile.NextBestSendTime(now).ShouldBe(now);
    }
}
