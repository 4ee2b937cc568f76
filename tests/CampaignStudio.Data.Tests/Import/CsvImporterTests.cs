using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Import;

public abstract class CsvImporterTests(string provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private CsvImporter Importer(int batchSize = CsvImporter.DefaultBatchSize) => new(_db.Factory, new StudioClock()) { BatchSize = batchSize };

    private static ImportMapping Suggest(ImportKind kind, params string[] headers) => ImportFields.Suggest(kind, headers);

    [Fact]
    public async Task BadRowsAreReportedWithTheirLineNumbersAndTheRestImports()
    {
        var csv = new CsvTestBuilder("email", "first_name", "last_name", "birth_year", "loyalty")
            .Row("anna@example.com,Anna,Berg,1985,gold")          // line 2
            .Row("not-an-email,Bad,Row,1990,")                     // line 3
            .Row("ben@example.com,Ben,Cole,19x0,")                 // line 4: bad year
            .Row("clara@example.com,Clara,Diaz,1979")              // line 5: missing column
            .Row("dora@example.com,\"Do\"ra,Eck,1991,silver")      // line 6: stray quote
            .Row("emil@example.com,Emil,Frey,,");                   // line 7

        var summary = await Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "first_name", "last_name", "birth_year", "loyalty"));

        summary.ProcessedRows.ShouldBe(6);
        summary.InsertedRows.ShouldBe(2);
        summary.Errors.Select(e => e.LineNumber).ShouldBe([3, 4, 5, 6]);
        summary.Errors[0].Reason.ShouldContain("not a valid e-mail");
        summary.Errors[1].Reason.ShouldContain("birth year");
        summary.Errors[2].Reason.ShouldContain("expected 5 columns, found 4");
        summary.Errors[3].Reason.ShouldContain("quot");
        await using var db = await _db.Factory.CreateDbContextAsync();
        var anna = await db.Customers.SingleAsync(c => c.Email == "anna@example.com");
        anna.FirstName.ShouldBe("Anna");
        anna.BirthYear.ShouldBe(1985);
        anna.Attributes["loyalty"].ShouldBe("gold");
        anna.EmailConsent.ShouldBe(ConsentStatus.Unknown);
        (await db.Customers.CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task ReimportingTheSameFileAddsNoDuplicatesAndUpdatesChangedValues()
    {
        var headers = new[] { "E-Mail", "Name", "City" };
        CsvTestBuilder File(string city) => new CsvTestBuilder(headers).Rows(1_200, i => $"person{i}@example.com,Person {i},{city}");

        var first = await Importer(batchSize: 500).ImportAsync(File("Berlin").ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, headers));
        var second = await Importer(batchSize: 500).ImportAsync(File("Vienna").ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, headers));

        first.InsertedRows.ShouldBe(1_200);
        second.InsertedRows.ShouldBe(0);
        second.UpdatedRows.ShouldBe(1_200);
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.CountAsync()).ShouldBe(1_200);
        (await db.Customers.CountAsync(c => c.City == "Vienna")).ShouldBe(1_200);
        var p = await db.Customers.SingleAsync(c => c.Email == "person7@example.com");
        (p.FirstName, p.LastName, p.LastNameKey).ShouldBe(("Person", "7", "7"));
    }

    [Fact]
    public async Task ARowThatClashesWithAnotherCustomerIsRefusedAndTheRestOfItsBatchImports()
    {
        var headers = new[] { "email", "external_id", "city" };
        await Importer().ImportAsync(new CsvTestBuilder(headers).Row("anna@example.com,X1,Hamburg").ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, headers));

        // Matched on e-mail: Ben's row claims the external id Anna already has. The batch's other rows and Anna stay as they are meant to.
        var summary = await Importer().ImportAsync(new CsvTestBuilder(headers)
            .Row("ben@example.com,X1,Bremen")    // line 2
            .Row("anna@example.com,,Kiel")       // line 3
            .Row("clara@example.com,X3,Lübeck")  // line 4
            .ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, headers));

        summary.Errors.Select(e => e.LineNumber).ShouldBe([2]);
        summary.Errors[0].Reason.ShouldContain("belongs to someone else");
        (summary.InsertedRows, summary.UpdatedRows).ShouldBe((1, 1));
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.OrderBy(c => c.Email).Select(c => c.Email + " " + c.ExternalId + " " + c.City).ToListAsync())
            .ShouldBe(["anna@example.com X1 Kiel", "clara@example.com X3 Lübeck"]);
    }

    [Fact]
    public async Task EmptyCellsKeepWhatIsAlreadyKnown()
    {
        await Importer().ImportAsync(new CsvTestBuilder("email", "city").Row("a@example.com,Hamburg").ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "city"));
        await Importer().ImportAsync(new CsvTestBuilder("email", "city").Row("a@example.com,").ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "city"));

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync()).City.ShouldBe("Hamburg");
    }

    [Fact]
    public async Task PurchasesAreIdempotentPerOrderAndCreateUnknownCustomers()
    {
        var csv = () => new CsvTestBuilder("customer_email", "order_id", "amount", "category", "date")
            .Row("new@example.com,O-1,19.90,Books,2025-03-01")
            .Row("new@example.com,O-2,\"5,50\",Toys,2025-03-04")
            .Row("new@example.com,O-3,abc,Toys,2025-03-04")
            .Row("other@example.com,O-4,12,Toys,not-a-date")
            .ToStream();
        var mapping = Suggest(ImportKind.Purchases, "customer_email", "order_id", "amount", "category", "date");

        var first = await Importer().ImportAsync(csv(), ImportKind.Purchases, mapping);
        var again = await Importer().ImportAsync(csv(), ImportKind.Purchases, mapping);

        first.InsertedRows.ShouldBe(2);
        first.Errors.Select(e => (e.LineNumber, e.Reason.Split(' ')[0])).ShouldBe([(4L, "amount"), (5L, "purchase")]);
        again.InsertedRows.ShouldBe(0);
        again.UpdatedRows.ShouldBe(2);
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Purchases.CountAsync()).ShouldBe(2);
        (await db.Purchases.SumAsync(p => p.Amount)).ShouldBe(25.40m);
        var customer = await db.Customers.SingleAsync();
        customer.Email.ShouldBe("new@example.com");
        customer.EmailConsent.ShouldBe(ConsentStatus.Unknown);
    }

    [Fact]
    public async Task EventsWithoutIdsAreDeduplicatedByContent()
    {
        var csv = () => new CsvTestBuilder("email", "event", "timestamp", "page")
            .Row("a@example.com,Visit,2025-01-01T10:00:00Z,/home")
            .Row("a@example.com,visit,2025-01-01T10:00:00Z,/home")
            .Row("a@example.com,visit,2025-01-02T10:00:00Z,/shoes")
            .ToStream();
        var mapping = Suggest(ImportKind.Events, "email", "event", "timestamp", "page");

        var first = await Importer().ImportAsync(csv(), ImportKind.Events, mapping);
        var again = await Importer().ImportAsync(csv(), ImportKind.Events, mapping);

        first.InsertedRows.ShouldBe(2);
        again.InsertedRows.ShouldBe(0);
        await using var db = await _db.Factory.CreateDbContextAsync();
        var events = await db.CustomerEvents.OrderBy(e => e.OccurredAt).ToListAsync();
        events.Select(e => e.Type).ShouldBe(["visit", "visit"]);
        events[1].PropertiesJson.ShouldBe("{\"page\":\"/shoes\"}");
    }

    [Fact]
    public async Task AStopMidImportLeavesOnlyWholeBatchesAndTheJobCountersMatch()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            db.ImportJobs.Add(new ImportJob { Id = 1, Kind = ImportKind.Customers, FileName = "x.csv", Status = ImportStatus.Running, CreatedAt = StudioClock.DefaultStart.UtcDateTime });
            await db.SaveChangesAsync();
        }

        using var cts = new CancellationTokenSource();
        var csv = new CsvTestBuilder("email").Rows(50_000, i => $"p{i}@example.com");
        var progress = new SyncProgress(p =>
        {
            if (p.ProcessedRows >= 2_000)
            {
                cts.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() =>
            Importer(batchSize: 1_000).ImportAsync(csv.ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email"), jobId: 1, progress, cts.Token));

        await using var check = await _db.Factory.CreateDbContextAsync();
        var count = await check.Customers.CountAsync();
        (count % 1_000).ShouldBe(0);
        count.ShouldBeGreaterThanOrEqualTo(2_000);
        count.ShouldBeLessThan(50_000);
        (await check.ImportJobs.SingleAsync()).InsertedRows.ShouldBe(count);
    }

    [Fact]
    public async Task AFileWhoseColumnsDoNotMatchTheMappingIsRefusedWhole()
    {
        var mapping = Suggest(ImportKind.Customers, "email", "city");
        var csv = new CsvTestBuilder("email").Row("a@example.com");

        var ex = await Should.ThrowAsync<ImportFileException>(() => Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, mapping));

        ex.Message.ShouldContain("1 columns but the mapping has 2");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public void SuggestedMappingRecognisesCommonHeadersAndKeepsTheRestAsAttributes()
    {
        var mapping = Suggest(ImportKind.Customers, "E-Mail", "First Name", "Surname", "Customer ID", "Favourite Colour");

        mapping.Columns.Select(c => c.Target).ShouldBe(["email", "first_name", "last_name", "external_id", "attribute:favourite_colour"]);
        mapping.MatchOn.ShouldBe(ImportFields.Email);
    }

    [Fact]
    public async Task SemicolonFilesAreDetected()
    {
        var stream = new MemoryStream("email;city\na@example.com;Köln\n"u8.ToArray());
        var preview = CsvImporter.Preview(stream);
        preview.Delimiter.ShouldBe(";");
        preview.Headers.ShouldBe(["email", "city"]);
        preview.Rows.Single().ShouldBe(["a@example.com", "Köln"]);
    }

    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    public sealed class OnSqlite() : CsvImporterTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : CsvImporterTests(DatabaseProviders.Postgres);
}
