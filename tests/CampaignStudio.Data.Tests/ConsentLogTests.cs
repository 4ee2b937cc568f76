using CampaignStudio.Data;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests;

public abstract class ConsentLogTests(string provider)
{
    [Fact]
    public async Task ConsentRecordsCanBeAddedButNeverChangedOrDeleted()
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        await using var db = await test.Factory.CreateDbContextAsync();
        var now = StudioClock.DefaultStart.UtcDateTime;
        var customer = new Customer { CreatedAt = now, UpdatedAt = now };
        customer.SetEmail("a@example.com");
        db.Customers.Add(customer);
        var record = new ConsentRecord { Customer = customer, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Actor = "customer", RecordedAt = now };
        db.ConsentRecords.Add(record);
        await db.SaveChangesAsync();

        record.Status = ConsentStatus.OptedOut;
        await Should.ThrowAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.Entry(record).State = EntityState.Unchanged;
        db.ConsentRecords.Remove(record);
        await Should.ThrowAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        await using var check = await test.Factory.CreateDbContextAsync();
        (await check.ConsentRecords.SingleAsync()).Status.ShouldBe(ConsentStatus.OptedIn);
    }

    public sealed class OnSqlite() : ConsentLogTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : ConsentLogTests(DatabaseProviders.Postgres);
}
