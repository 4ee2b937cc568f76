using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// Date triggers on the studio clock moved across days and years: a birthday fires once a year per customer, on the day in
/// the customer's own time zone (Berlin and Auckland, 12 hours apart), after the trigger's local time; so does the
/// anniversary of becoming a customer, never on the day they signed up.
/// </summary>
public sealed class FlowDateTriggerTests : IAsyncLifetime
{
    private FlowHost _host = new();
    private DateTimeOffset _start;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _host.DisposeAsync();

    private async Task StartAtAsync(DateTimeOffset start)
    {
        _start = start;
        _host = new FlowHost().StartingAt(start);
        await _host.InitializeAsync();
    }

    /// <summary>Sets the clock to <paramref name="utc"/> (it keeps running at the real pace from there).</summary>
    private void At(DateTime utc) => _host.Clock.MoveBy(new DateTimeOffset(utc, TimeSpan.Zero) - _start);

    private static DateTime Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    /// <summary>A date-trigger pass at <paramref name="utc"/>; returns who entered so far with their last entry number, by customer id.</summary>
    private async Task<List<(long Customer, int Entry)>> PassAtAsync(DateTime utc, int flowId)
    {
        At(utc);
        await _host.Engine.EnterFromDatesAsync(CancellationToken.None);
        await using var db = await _host.Db.CreateDbContextAsync();
        var trips = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flowId).GroupBy(e => e.CustomerId)
            .Select(g => new { g.Key, Last = g.Max(e => e.EntryNumber) }).ToListAsync();
        return Trips(trips.Select(t => (t.Key, t.Last)).ToArray());
    }

    private static List<(long Customer, int Entry)> Trips(params (long Customer, int Entry)[] trips) => [.. trips.OrderBy(t => t.Customer)];

    private async Task CustomerAsync(long id, string zone, string? birthday = null, DateTime? createdAt = null)
    {
        await using var db = await _host.Db.CreateDbContextAsync();
        var customer = await db.Customers.SingleAsync(c => c.Id == id);
        customer.TimeZone = zone;
        if (birthday is not null)
        {
            customer.Attributes = new Dictionary<string, string>(customer.Attributes) { ["birthday"] = birthday };
        }

        if (createdAt is { } created)
        {
            customer.CreatedAt = created;
        }

        await db.SaveChangesAsync();
    }

    private static FlowDefinition OnDate(string field, int offsetDays = 0) => new()
    {
        Trigger = new DateTrigger(field) { AtLocalTime = "09:00", OffsetDays = offsetDays },
        Steps = [new WaitStep("w", 60)],
    };

    [Fact]
    public async Task ABirthdayFiresOnceAYearOnTheDayInTheCustomersOwnTimeZone()
    {
        await StartAtAsync(new DateTimeOffset(2026, 12, 9, 10, 0, 0, TimeSpan.Zero));
        var flow = await _host.Build.FlowAsync("Birthday", OnDate("birthday"));
        var (berlin, auckland, tomorrow) = (await _host.Build.CustomersAsync("bday", 3)) is [var a, var b, var c] ? (a, b, c) : default;
        await CustomerAsync(berlin, "Europe/Berlin", birthday: "1990-12-10");
        await CustomerAsync(auckland, "Pacific/Auckland", birthday: "12-10");
        await CustomerAsync(tomorrow, "Europe/Berlin", birthday: "12-11");

        // Auckland (UTC+13 in December) reaches 09:00 on 10 December at 20:00 UTC on the 9th; Berlin (UTC+1) at 08:00 UTC on the 10th.
        (await PassAtAsync(Utc(2026, 12, 9, 19, 58), flow.Id)).ShouldBeEmpty("08:58 in Auckland, the evening before in Berlin");
        (await PassAtAsync(Utc(2026, 12, 9, 20, 1), flow.Id)).ShouldBe(Trips((auckland, 1)));
        (await PassAtAsync(Utc(2026, 12, 10, 7, 58), flow.Id)).ShouldBe(Trips((auckland, 1)), "08:58 in Berlin");
        (await PassAtAsync(Utc(2026, 12, 10, 8, 1), flow.Id)).ShouldBe(Trips((auckland, 1), (berlin, 1)));
        (await PassAtAsync(Utc(2026, 12, 10, 10, 55), flow.Id)).ShouldBe(Trips((auckland, 1), (berlin, 1)), "a later pass the same day enters nobody again");

        // The next day is the third customer's birthday, and no longer the others'.
        (await PassAtAsync(Utc(2026, 12, 11, 8, 1), flow.Id)).ShouldBe(Trips((auckland, 1), (berlin, 1), (tomorrow, 1)));

        // A year on: each again, on their own day, once.
        (await PassAtAsync(Utc(2027, 12, 9, 20, 1), flow.Id)).ShouldBe(Trips((auckland, 2), (berlin, 1), (tomorrow, 1)));
        (await PassAtAsync(Utc(2027, 12, 10, 8, 1), flow.Id)).ShouldBe(Trips((auckland, 2), (berlin, 2), (tomorrow, 1)));
        (await PassAtAsync(Utc(2027, 12, 10, 9, 1), flow.Id)).ShouldBe(Trips((auckland, 2), (berlin, 2), (tomorrow, 1)));
    }

    [Fact]
    public async Task AWeekBeforeABirthdayInJanuaryIsInDecemberOfTheYearBefore()
    {
        await StartAtAsync(new DateTimeOffset(2026, 12, 26, 12, 0, 0, TimeSpan.Zero));
        var flow = await _host.Build.FlowAsync("Birthday soon", OnDate("birthday", offsetDays: -7));
        var customer = (await _host.Build.CustomersAsync("soon", 1))[0];
        await CustomerAsync(customer, "Europe/Berlin", birthday: "1985-01-03");

        (await PassAtAsync(Utc(2026, 12, 26, 12, 0), flow.Id)).ShouldBeEmpty();
        (await PassAtAsync(Utc(2026, 12, 27, 8, 1), flow.Id)).ShouldBe(Trips((customer, 1)));
        (await PassAtAsync(Utc(2027, 1, 3, 8, 1), flow.Id)).ShouldBe(Trips((customer, 1)), "the birthday itself is not the trigger's day");
    }

    [Fact]
    public async Task TheAnniversaryOfBecomingACustomerIsOnTheLocalDayTheySignedUpAndNeverOnThatDayItself()
    {
        await StartAtAsync(new DateTimeOffset(2026, 6, 15, 4, 0, 0, TimeSpan.Zero));
        var flow = await _host.Build.FlowAsync("Anniversary", OnDate(DateTrigger.CustomerSince));
        var (berlin, auckland, newcomer) = (await _host.Build.CustomersAsync("since", 3)) is [var a, var b, var c] ? (a, b, c) : default;

        // 23:30 UTC on 15 June 2025 was already 16 June in Berlin (01:30) and in Auckland (11:30).
        await CustomerAsync(berlin, "Europe/Berlin", createdAt: Utc(2025, 6, 15, 23, 30));
        await CustomerAsync(auckland, "Pacific/Auckland", createdAt: Utc(2025, 6, 15, 23, 30));
        await CustomerAsync(newcomer, "Europe/Berlin", createdAt: Utc(2026, 6, 15, 5, 0));

        (await PassAtAsync(Utc(2026, 6, 15, 8, 0), flow.Id)).ShouldBeEmpty("15 June in Berlin: not their local anniversary, and the newcomer signed up today");
        (await PassAtAsync(Utc(2026, 6, 15, 21, 1), flow.Id)).ShouldBe(Trips((auckland, 1)), "09:01 on 16 June in Auckland (UTC+12)");
        (await PassAtAsync(Utc(2026, 6, 16, 7, 1), flow.Id)).ShouldBe(Trips((auckland, 1), (berlin, 1)), "09:01 on 16 June in Berlin (UTC+2)");

        (await PassAtAsync(Utc(2027, 6, 15, 7, 1), flow.Id)).ShouldBe(Trips((auckland, 1), (berlin, 1), (newcomer, 1)), "the newcomer's first anniversary");
        (await PassAtAsync(Utc(2027, 6, 15, 21, 1), flow.Id)).ShouldBe(Trips((auckland, 2), (berlin, 1), (newcomer, 1)));
        (await PassAtAsync(Utc(2027, 6, 16, 7, 1), flow.Id)).ShouldBe(Trips((auckland, 2), (berlin, 2), (newcomer, 1)));
    }
}
