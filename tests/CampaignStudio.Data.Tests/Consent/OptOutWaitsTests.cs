using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Consent;

/// <summary>"The oldest unprocessed opt-out": zero when opt-outs stop mail at once; the wait when mail went out after one, or it is not honoured yet.</summary>
public abstract class OptOutWaitsTests(string provider) : IAsyncLifetime
{
    // Stopped, so a recorded time and "now" are the very instants the test names.
    private readonly FakeTimeProvider _clock = new(StudioClock.DefaultStart);
    private TestDatabase _db = null!;
    private ConsentLedger _ledger = null!;

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _ledger = new ConsentLedger(_db.Factory, new AddressSuppression(_db.Factory, _clock), _clock);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task OptOutsHonouredAtOnceWaitedZero()
    {
        var since = Now.AddDays(-30);
        var campaignId = await CampaignAsync();
        var ann = await OptedInAsync("ann@example.com");
        await SentAsync(campaignId, ann, Now.AddSeconds(-5));
        await RecordAsync(ann, ConsentStatus.OptedOut);

        // Opted out, mailed again only after a new opt-in: honoured.
        var ben = await OptedInAsync("ben@example.com");
        await RecordAsync(ben, ConsentStatus.OptedOut);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await RecordAsync(ben, ConsentStatus.OptedIn);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await SentAsync(await CampaignAsync(), ben, Now);

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await OptOutWaits.OldestAsync(db, since, Now)).ShouldBe(OptOutWait.None);
    }

    [Fact]
    public async Task MailSentAfterAnOptOutMakesItWaitUntilTheLastSuchMail()
    {
        var campaignId = await CampaignAsync();
        var cid = await OptedInAsync("late@example.com");
        await RecordAsync(cid, ConsentStatus.OptedOut);
        var optedOutAt = Now;
        await SentAsync(campaignId, cid, optedOutAt.AddSeconds(4));
        await SentAsync(await CampaignAsync(), cid, optedOutAt.AddSeconds(9));
        _clock.Advance(TimeSpan.FromMinutes(1));

        await using var db = await _db.Factory.CreateDbContextAsync();
        var wait = await OptOutWaits.OldestAsync(db, Now.AddDays(-30), Now);

        wait.Longest.ShouldBe(TimeSpan.FromSeconds(9));
        wait.OptedOutAt.ShouldBe(optedOutAt);
        wait.StillWaiting.ShouldBeFalse();
        wait.Late.ShouldBe(1);
    }

    [Fact]
    public async Task AnOptOutTheCustomerRowDoesNotFollowIsStillWaiting()
    {
        var cid = await OptedInAsync("stuck@example.com");
        var optedOutAt = Now;

        // A record written past the ledger (what a bug or a hand-made SQL insert would do): the customer stays mailable.
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            db.ConsentRecords.Add(new ConsentRecord { CustomerId = cid, Status = ConsentStatus.OptedOut, Source = ConsentSource.UnsubscribeLink, Actor = "customer", RecordedAt = optedOutAt });
            await db.SaveChangesAsync();
        }

        _clock.Advance(TimeSpan.FromHours(3));
        await using var read = await _db.Factory.CreateDbContextAsync();
        var wait = await OptOutWaits.OldestAsync(read, Now.AddDays(-30), Now);

        wait.ShouldBe(new OptOutWait(TimeSpan.FromHours(3), optedOutAt, StillWaiting: true, Late: 1));
        (await OptOutWaits.OldestAsync(read, Now.AddMinutes(-1), Now)).ShouldBe(OptOutWait.None, "only opt-outs of the period are looked at");
    }

    private async Task<int> CampaignAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var campaign = new Campaign { Name = "Waits", CreatedBy = "test", CreatedAt = Now, LaunchedAt = Now };
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    private async Task<long> OptedInAsync(string email)
    {
        long id;
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var customer = new Customer { CreatedAt = Now, UpdatedAt = Now };
            customer.SetEmail(email);
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            id = customer.Id;
        }

        await RecordAsync(id, ConsentStatus.OptedIn);
        _clock.Advance(TimeSpan.FromSeconds(1));
        return id;
    }

    private async Task RecordAsync(long customerId, ConsentStatus status) =>
        (await _ledger.RecordAsync(new ConsentChange(customerId, status, status == ConsentStatus.OptedIn ? ConsentSource.Form : ConsentSource.UnsubscribeLink, "customer",
            status == ConsentStatus.OptedIn ? "form-v1" : null))).Recorded.ShouldBeTrue();

    private async Task SentAsync(int campaignId, long customerId, DateTime at)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        db.Messages.Add(new Message { CampaignId = campaignId, CustomerId = customerId, Status = MessageStatus.Sent, QueuedAt = at, SentAt = at });
        await db.SaveChangesAsync();
    }

    public sealed class OnSqlite() : OptOutWaitsTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : OptOutWaitsTests(DatabaseProviders.Postgres);
}
