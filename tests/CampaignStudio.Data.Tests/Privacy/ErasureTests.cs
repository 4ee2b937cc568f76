using System.Text;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Privacy;

/// <summary>Erasure removes the person but keeps the proof and a keyed hash of the address, so a re-import is never mailed.</summary>
public sealed class ErasureTests : IAsyncLifetime
{
    private readonly StudioClock _clock = new();
    private SqliteTestDatabase _db = null!;
    private AddressSuppression _suppression = null!;
    private ConsentLedger _ledger = null!;
    private CustomerPrivacy _privacy = null!;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync();
        _suppression = new AddressSuppression(_db.Factory, _clock);
        _ledger = new ConsentLedger(_db.Factory, _suppression, _clock);
        _privacy = new CustomerPrivacy(_db.Factory, _suppression, _clock);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task ErasingRemovesPersonalDataAnonymisesPurchasesAndKeepsOnlyAHashOfTheAddress()
    {
        var id = await AddOptedInCustomerAsync("Erin.Erased@Example.com");

        (await _privacy.EraseAsync(id, "admin@demo.local")).ShouldBeTrue();
        (await _privacy.EraseAsync(id, "admin@demo.local")).ShouldBeFalse();

        await using var db = await _db.Factory.CreateDbContextAsync();
        var c = await db.Customers.AsNoTracking().SingleAsync(x => x.Id == id);
        (c.IsErased, c.Email, c.FirstName, c.LastName, c.ExternalId, c.City, c.Attributes.Count).ShouldBe((true, (string?)null, (string?)null, (string?)null, (string?)null, (string?)null, 0));
        c.EmailConsent.ShouldBe(ConsentStatus.OptedOut);
        var purchase = await db.Purchases.AsNoTracking().SingleAsync(p => p.CustomerId == id);
        (purchase.OrderId, purchase.Amount, purchase.SourceKey).ShouldBe(((string?)null, 42.5m, $"erased-{purchase.Id}"));
        var suppressed = await db.SuppressedAddresses.AsNoTracking().SingleAsync();
        suppressed.AddressHash.Length.ShouldBe(64);
        suppressed.AddressHash.ShouldBe(await _suppression.HashAsync("  erin.erased@example.COM "));
        var everything = string.Join("|", (await db.AuditEntries.AsNoTracking().ToListAsync()).Select(a => a.DetailsJson))
            + string.Join("|", (await db.Settings.AsNoTracking().ToListAsync()).Select(s => s.Value));
        everything.ShouldNotContain("erin", Case.Insensitive);
        (await db.AuditEntries.AsNoTracking().SingleAsync()).Action.ShouldBe(CustomerPrivacy.ErasedAction);
        (await db.ConsentRecords.CountAsync(r => r.CustomerId == id)).ShouldBe(2);
    }

    [Fact]
    public async Task AnErasedAddressReImportedIsOptedOutAtOnceAndCanNeverBeOptedInAgain()
    {
        var id = await AddOptedInCustomerAsync("comeback@example.com");
        await _privacy.EraseAsync(id, "admin@demo.local");
        var importer = new CsvImporter(_db.Factory, _clock, _suppression);

        await using var csv = new CsvTestBuilder("email", "first_name").Row("Comeback@Example.com,Carla").Row("someone-else@example.com,Sam").ToStream();
        await importer.ImportAsync(csv, ImportKind.Customers, ImportFields.Suggest(ImportKind.Customers, ["email", "first_name"]));
        // A second import adds no second suppression record.
        await importer.UpsertAsync(ImportKind.Customers, new ImportMapping { Columns = [new("email", ImportFields.Email)] }, [["comeback@example.com"]]);

        await using var db = await _db.Factory.CreateDbContextAsync();
        var again = await db.Customers.AsNoTracking().SingleAsync(c => c.Email == "comeback@example.com");
        again.Id.ShouldNotBe(id);
        again.EmailConsent.ShouldBe(ConsentStatus.OptedOut);
        (await db.ConsentRecords.AsNoTracking().SingleAsync(r => r.CustomerId == again.Id)).Note.ShouldBe(AddressSuppression.ImportNote);
        (await db.Customers.AsNoTracking().SingleAsync(c => c.Email == "someone-else@example.com")).EmailConsent.ShouldBe(ConsentStatus.Unknown);

        var optIn = await _ledger.RecordAsync(new ConsentChange(again.Id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "form-v1"));
        optIn.Recorded.ShouldBeFalse();
        (await _ledger.RecordAsync(new ConsentChange(again.Id, ConsentStatus.Pending, ConsentSource.Form, "customer", "form-v1"))).Recorded.ShouldBeFalse();
        (await db.Customers.Mailable().AnyAsync(c => c.Email == "comeback@example.com")).ShouldBeFalse();
    }

    [Fact]
    public async Task TheExportHoldsEverythingAndItsCsvIsFormulaSafe()
    {
        var id = await AddOptedInCustomerAsync("export@example.com", firstName: "@SUM(1+1)");

        var export = (await _privacy.ExportAsync(id, "admin@demo.local", "csv"))!;
        export.Profile.Email.ShouldBe("export@example.com");
        export.Purchases.Single().OrderId.ShouldBe("A-1");
        export.Consent.Single().WordingVersion.ShouldBe("form-v1");

        using var stream = new MemoryStream();
        await CustomerPrivacy.WriteCsvAsync(export, stream);
        var csv = Encoding.UTF8.GetString(stream.ToArray());
        csv.ShouldStartWith("section,record,field,value\r\n"); // CsvHelper ends records with CRLF (RFC 4180)
        csv.ShouldContain($"profile,{id},first_name,'@SUM(1+1)");
        csv.ShouldContain("purchase,");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.AuditEntries.AsNoTracking().SingleAsync()).Action.ShouldBe(CustomerPrivacy.ExportedAction);
    }

    private async Task<long> AddOptedInCustomerAsync(string email, string firstName = "Erin")
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var customer = new Customer { CreatedAt = FixedClock.Now, UpdatedAt = FixedClock.Now, ExternalId = "crm-" + email, City = "Berlin" };
        customer.SetEmail(email);
        customer.SetName(firstName, "Example");
        customer.Attributes = new Dictionary<string, string> { ["tier"] = "gold" };
        customer.Purchases.Add(new Purchase { OrderId = "A-1", Amount = 42.5m, PurchasedAt = FixedClock.Now, SourceKey = "A-1" });
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        (await _ledger.RecordAsync(new ConsentChange(customer.Id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "form-v1", "198.51.100.7"))).Recorded.ShouldBeTrue();
        return customer.Id;
    }
}
