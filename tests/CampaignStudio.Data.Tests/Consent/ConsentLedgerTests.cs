using System.Reflection;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Consent;

/// <summary>The ledger on a real SQLite file: it only appends, and the customer's status always follows the log.</summary>
public sealed class ConsentLedgerTests : IAsyncLifetime
{
    private readonly StudioClock _clock = new();
    private SqliteTestDatabase _db = null!;
    private ConsentLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync();
        _ledger = new ConsentLedger(_db.Factory, new AddressSuppression(_db.Factory, _clock), _clock);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void TheLedgerOffersNoWayToChangeOrRemoveARecord()
    {
        typeof(ConsentLedger).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name).ShouldBe(["RecordAsync"]);
    }

    [Fact]
    public async Task BulkStatementsCannotRewriteTheLogEither()
    {
        var id = await AddCustomerAsync("bulk@example.com");
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "form-v1"))).Recorded.ShouldBeTrue();

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await Should.ThrowAsync<Exception>(() => db.ConsentRecords.ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ConsentStatus.OptedOut))))
            .Message.ShouldContain(AppendOnlyTriggers.Message);
        (await Should.ThrowAsync<Exception>(() => db.ConsentRecords.ExecuteDeleteAsync())).Message.ShouldContain(AppendOnlyTriggers.Message);
        (await db.ConsentRecords.SingleAsync()).Status.ShouldBe(ConsentStatus.OptedIn);
    }

    [Fact]
    public async Task EachRecordIsAppendedAndTheCustomersStatusIsDerivedFromTheWholeLog()
    {
        var id = await AddCustomerAsync("ledger@example.com");

        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.Pending, ConsentSource.Form, "customer", "form-v1", "203.0.113.9"))).Status.ShouldBe(ConsentStatus.Pending);
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, ConsentSource.DoubleOptIn, "customer", "doi-v1"))).Status.ShouldBe(ConsentStatus.OptedIn);
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.Bounced, ConsentSource.Bounce, "system"))).Status.ShouldBe(ConsentStatus.Bounced);
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.Unknown, ConsentSource.Import, "system"))).Status.ShouldBe(ConsentStatus.Bounced);

        await using var db = await _db.Factory.CreateDbContextAsync();
        var customer = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == id);
        customer.EmailConsent.ShouldBe(ConsentStatus.Bounced);
        customer.EmailConsentAt.ShouldNotBeNull();
        var log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == id).OrderBy(r => r.Id).ToListAsync();
        log.Select(r => r.Status).ShouldBe([ConsentStatus.Pending, ConsentStatus.OptedIn, ConsentStatus.Bounced, ConsentStatus.Unknown]);
        log[0].IpAddress.ShouldBe("203.0.113.9");
        ConsentRules.Derive(log).ShouldBe(customer.EmailConsent);
        (await db.Customers.Mailable().AnyAsync(c => c.Id == id)).ShouldBeFalse();
    }

    [Fact]
    public async Task AnOptInWithoutTheWordingIsRefusedAndNothingIsWritten()
    {
        var id = await AddCustomerAsync("no-proof@example.com");

        var outcome = await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, ConsentSource.Api, "api"));

        outcome.Recorded.ShouldBeFalse();
        outcome.Refusal.ShouldNotBeNull();
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.ConsentRecords.CountAsync(r => r.CustomerId == id)).ShouldBe(0);
        (await db.Customers.SingleAsync(c => c.Id == id)).EmailConsent.ShouldBe(ConsentStatus.Unknown);
    }

    [Theory]
    [InlineData(ConsentSource.PreferenceCentre)]
    [InlineData(ConsentSource.UnsubscribeLink)]
    [InlineData(ConsentSource.Bounce)]
    public async Task ALinkInAnEmailCanWithdrawConsentButNeverGiveIt(ConsentSource source)
    {
        // Opting in from an e-mail's link goes through a confirmation mail: pending, then the double opt-in click.
        var id = await AddCustomerAsync($"link-{source}@example.com");
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "form-v1"))).Recorded.ShouldBeTrue();
        (await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedOut, source, "customer"))).Status.ShouldBe(ConsentStatus.OptedOut);

        var outcome = await _ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, source, "customer", "preference-centre-v1"));

        outcome.Recorded.ShouldBeFalse();
        outcome.Refusal.ShouldNotBeNull();
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.ConsentRecords.CountAsync(r => r.CustomerId == id)).ShouldBe(2);
        (await db.Customers.SingleAsync(c => c.Id == id)).EmailConsent.ShouldBe(ConsentStatus.OptedOut);
    }

    [Fact]
    public async Task AnImportedCustomerWithoutProofStaysUnknownAndIsNeverMailable()
    {
        await using var csv = new CsvTestBuilder("email", "first_name").Row("imported@example.com,Ida").ToStream();
        await new Data.Import.CsvImporter(_db.Factory, _clock).ImportAsync(csv, Domain.Imports.ImportKind.Customers,
            Data.Import.ImportFields.Suggest(Domain.Imports.ImportKind.Customers, ["email", "first_name"]));

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync(c => c.Email == "imported@example.com")).EmailConsent.ShouldBe(ConsentStatus.Unknown);
        (await db.Customers.Mailable().CountAsync()).ShouldBe(0);
    }

    private async Task<long> AddCustomerAsync(string email)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var customer = new Customer { CreatedAt = FixedClock.Now, UpdatedAt = FixedClock.Now };
        customer.SetEmail(email);
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        return customer.Id;
    }
}
