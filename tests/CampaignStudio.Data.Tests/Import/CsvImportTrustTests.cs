using System.Text;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Import;

/// <summary>
/// Issue 11 "rows that vanish": every line of a file is imported or refused on its own, duplicates inside a file are
/// reported, dates and encodings are never guessed, and a file that cannot be imported says why in one sentence.
/// </summary>
public abstract class CsvImportTrustTests(string provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private CsvImporter Importer() => new(_db.Factory, new StudioClock()) { BatchSize = 1_000 };

    private static ImportMapping Suggest(ImportKind kind, params string[] headers) => ImportFields.Suggest(kind, headers);

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task EveryLineOfAFileWith250StrayQuotesIsImportedOrRefusedOnItsOwn()
    {
        // 10,000 data lines; every 40th has an unterminated quote, as in the file from the issue (9,000 good rows lost 4,094).
        var stray = Enumerable.Range(0, 10_000).Where(i => i % 40 == 7).ToHashSet();
        var csv = new CsvTestBuilder("email", "first_name", "city")
            .Rows(10_000, i => stray.Contains(i) ? $"p{i}@example.com,\"unterminated,Berlin" : $"p{i}@example.com,Person {i},Berlin");

        var summary = await Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "first_name", "city"));

        summary.LinesRead.ShouldBe(10_000);
        summary.InsertedRows.ShouldBe(9_750);
        summary.ErrorRows.ShouldBe(250);
        summary.BlankLines.ShouldBe(0);
        (summary.InsertedRows + summary.UpdatedRows + summary.ErrorRows + summary.BlankLines + summary.ContinuationLines).ShouldBe(summary.LinesRead);
        summary.Errors.Select(e => e.LineNumber).ShouldBe(stray.Order().Select(i => (long)i + 2));
        summary.Errors.ShouldAllBe(e => e.Reason.Contains("quot"));
        summary.Errors[0].RawRow.ShouldBe("p7@example.com,\"unterminated,Berlin");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.CountAsync()).ShouldBe(9_750);
        (await db.Customers.SingleAsync(c => c.Email == "p8@example.com")).FirstName.ShouldBe("Person 8");
    }

    [Fact]
    public async Task AQuotedValueWithLineBreaksIsOneRowAndAllItsLinesAreCounted()
    {
        var csv = "email,first_name,note\r\n"
            + "anna@example.com,Anna,\"first line\r\nsecond line\nthird line\"\r\n"   // lines 2-4: one row
            + "\r\n"                                                                  // line 5: blank
            + "ben@example.com,Ben,plain\n";                                          // line 6

        var summary = await Importer().ImportAsync(Utf8(csv), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "first_name", "note"));

        (summary.LinesRead, summary.InsertedRows, summary.ErrorRows, summary.BlankLines, summary.ContinuationLines).ShouldBe((5L, 2L, 0L, 1L, 2L));
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync(c => c.Email == "anna@example.com")).Attributes["note"].ShouldBe("first line\nsecond line\nthird line");
    }

    [Fact]
    public async Task ADuplicateEmailInOneFileIsReportedAsADuplicateOfItsFirstLineAndChangesNothing()
    {
        var csv = new CsvTestBuilder("email", "external_id", "first_name")
            .Row("anna@example.com,C-1,Anna")      // line 2
            .Row("ben@example.com,C-2,Ben")        // line 3
            .Row("Anna@Example.com,C-9,Annie")     // line 4: the same address, another id and name
            .Row("carl@example.com,C-2,Carl");     // line 5: another address with Ben's external id

        var summary = await Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, "email", "external_id", "first_name"));

        summary.InsertedRows.ShouldBe(2);
        summary.Errors.Select(e => e.LineNumber).ShouldBe([4L, 5L]);
        summary.Errors[0].Reason.ShouldContain("duplicate of line 2");
        summary.Errors[0].Reason.ShouldContain("e-mail");
        summary.Errors[1].Reason.ShouldContain("duplicate of line 3");
        summary.Errors[1].Reason.ShouldContain("external id");
        await using var db = await _db.Factory.CreateDbContextAsync();
        var anna = await db.Customers.SingleAsync(c => c.Email == "anna@example.com");
        (anna.ExternalId, anna.FirstName).ShouldBe(("C-1", "Anna"));
    }

    [Fact]
    public async Task LastWinsIsAKnowingChoiceAndTheSummaryCountsTheReplacedRows()
    {
        var csv = new CsvTestBuilder("email", "first_name")
            .Row("anna@example.com,Anna")
            .Row("anna@example.com,Annie");
        var mapping = Suggest(ImportKind.Customers, "email", "first_name");
        mapping.Duplicates = DuplicateRows.LastWins;

        var summary = await Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, mapping);

        (summary.InsertedRows, summary.UpdatedRows, summary.ErrorRows, summary.ReplacedRows).ShouldBe((1L, 1L, 0L, 1L));
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync()).FirstName.ShouldBe("Annie");
    }

    [Fact]
    public async Task ARepeatedOrderLineOrEventInOneFileIsReportedNotMerged()
    {
        var purchases = new CsvTestBuilder("customer_email", "order_id", "amount", "product", "date")
            .Row("anna@example.com,O-1,10.00,Book,2025-03-01")
            .Row("anna@example.com,O-1,99.00,Book,2025-03-01")   // line 3: the same order line with another amount
            .Row("anna@example.com,O-1,5.00,Pen,2025-03-01");    // line 4: another line of the same order

        var bought = await Importer().ImportAsync(purchases.ToStream(), ImportKind.Purchases, Suggest(ImportKind.Purchases, "customer_email", "order_id", "amount", "product", "date"));

        bought.InsertedRows.ShouldBe(2);
        bought.Errors.Single().LineNumber.ShouldBe(3);
        bought.Errors.Single().Reason.ShouldContain("duplicate of line 2");

        var events = new CsvTestBuilder("email", "event_id", "event", "timestamp")
            .Row("anna@example.com,E-1,visit,2025-01-01T10:00:00Z")
            .Row("anna@example.com,E-1,click,2025-01-01T11:00:00Z");
        var seen = await Importer().ImportAsync(events.ToStream(), ImportKind.Events, Suggest(ImportKind.Events, "email", "event_id", "event", "timestamp"));

        (seen.InsertedRows, seen.UpdatedRows).ShouldBe((1L, 0L));
        seen.Errors.Single().Reason.ShouldContain("duplicate of line 2");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Purchases.SumAsync(p => p.Amount)).ShouldBe(15m);
    }

    [Fact]
    public async Task DayAndMonthAreNeverGuessedOnlyReadInTheFormatTheMarketerChose()
    {
        var headers = new[] { "email", "created_at" };
        CsvTestBuilder File() => new CsvTestBuilder(headers)
            .Row("iso@example.com,2021-02-01")
            .Row("isotime@example.com,2021-02-01T09:30:00+01:00")
            .Row("dotted@example.com,01.02.2021")
            .Row("slashed@example.com,01/02/2021");

        var strict = await Importer().ImportAsync(File().ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, headers));

        strict.InsertedRows.ShouldBe(2);
        strict.Errors.Select(e => e.LineNumber).ShouldBe([4L, 5L]);
        strict.Errors[0].Reason.ShouldContain("yyyy-mm-dd");
        strict.Errors[0].Reason.ShouldContain("date format");

        var dayFirst = Suggest(ImportKind.Customers, headers);
        dayFirst.DateFormat = ImportDateFormats.DayMonthYearDots;
        var german = await Importer().ImportAsync(File().ToStream(), ImportKind.Customers, dayFirst);
        german.Errors.Single().LineNumber.ShouldBe(5);

        var monthFirst = Suggest(ImportKind.Customers, headers);
        monthFirst.DateFormat = ImportDateFormats.MonthDayYearSlashes;
        var american = await Importer().ImportAsync(File().ToStream(), ImportKind.Customers, monthFirst);
        american.Errors.Single().LineNumber.ShouldBe(4);

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync(c => c.Email == "dotted@example.com")).CreatedAt.ShouldBe(new DateTime(2021, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        (await db.Customers.SingleAsync(c => c.Email == "slashed@example.com")).CreatedAt.ShouldBe(new DateTime(2021, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        (await db.Customers.SingleAsync(c => c.Email == "isotime@example.com")).CreatedAt.ShouldBe(new DateTime(2021, 2, 1, 8, 30, 0, DateTimeKind.Utc));
    }

    [Fact]
    public async Task ALatin1FileIsDetectedShownDecodedAndImportedOnlyWithTheChosenEncoding()
    {
        var latin1 = Encoding.Latin1.GetBytes("email,first_name,city\njuergen@example.com,Jürgen,Köln\nanna@example.com,Anna,Berlin\n");

        var preview = CsvImporter.Preview(new MemoryStream(latin1));
        preview.IsUtf8.ShouldBeFalse();
        preview.NotUtf8Line.ShouldBe(2);
        preview.Encoding.ShouldBe(ImportEncodings.Windows1252);
        preview.Rows[0].ShouldBe(["juergen@example.com", "Jürgen", "Köln"]);
        preview.RowsWithSpecialCharacters.Single()[1].ShouldBe("Jürgen");

        var mapping = Suggest(ImportKind.Customers, "email", "first_name", "city");
        var asUtf8 = await Importer().ImportAsync(new MemoryStream(latin1), ImportKind.Customers, mapping);
        asUtf8.InsertedRows.ShouldBe(1);
        asUtf8.Errors.Single().LineNumber.ShouldBe(2);
        asUtf8.Errors.Single().Reason.ShouldContain("not UTF-8");

        mapping.Encoding = ImportEncodings.Windows1252;
        var chosen = await Importer().ImportAsync(new MemoryStream(latin1), ImportKind.Customers, mapping);
        chosen.ErrorRows.ShouldBe(0);
        await using var db = await _db.Factory.CreateDbContextAsync();
        var juergen = await db.Customers.SingleAsync(c => c.Email == "juergen@example.com");
        (juergen.FirstName, juergen.City).ShouldBe(("Jürgen", "Köln"));
        (await db.Customers.CountAsync(c => c.FirstName!.Contains("\uFFFD"))).ShouldBe(0);
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "empty", [], "The file is empty" },
        { "only a byte order mark and blank lines", [0xEF, 0xBB, 0xBF, (byte)'\n', (byte)' ', (byte)'\n'], "The file is empty" },
        { "header only", Encoding.UTF8.GetBytes("email,first_name\n\n"), "only a header row" },
        { "duplicate headers", Encoding.UTF8.GetBytes("email,City,first_name,city\na@example.com,X,Y,Z\n"), "'city' names columns 2 and 4" },
        { "binary", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D], "not a CSV text file" },
        { "an Excel workbook", [(byte)'P', (byte)'K', 3, 4, 20, 0, 6, 0, 8, 0, 0, 0], "Excel workbook" },
        { "too many columns", Encoding.UTF8.GetBytes(string.Join(',', Enumerable.Range(0, Limits.ImportColumns + 1).Select(i => "c" + i)) + "\n" + new string(',', Limits.ImportColumns) + "x\n"), $"at most {Limits.ImportColumns}" },
        { "a stray quote in the header", Encoding.UTF8.GetBytes("email,\"first name\n a@example.com,x\n"), "header" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void AFileThatCannotBeImportedGetsOneSentenceThatSaysWhy(string what, byte[] bytes, string sentence)
    {
        var ex = Should.Throw<ImportFileException>(() => CsvImporter.Preview(new MemoryStream(bytes)), what);

        ex.Message.ShouldContain(sentence, Case.Insensitive);
    }

    [Fact]
    public async Task ADuplicateHeaderIsRefusedAtImportTooAndNothingIsWritten()
    {
        var csv = new CsvTestBuilder("email", "city", "City").Row("a@example.com,X,Y");
        var mapping = new ImportMapping { Columns = [new("email", ImportFields.Email), new("city", ImportFields.City), new("City", "attribute:city2")] };

        var ex = await Should.ThrowAsync<ImportFileException>(() => Importer().ImportAsync(csv.ToStream(), ImportKind.Customers, mapping));

        ex.Message.ShouldContain("names columns 2 and 3");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task CustomAttributesPerCustomerAreCappedAndEachRowOverTheCapSaysSo()
    {
        // First 30 attributes, then 25 others: a customer who had the 30 would end with 55 (> the cap), a new one has 25.
        string[] Headers(string prefix, int n) => ["email", .. Enumerable.Range(0, n).Select(i => $"{prefix}{i}")];
        string Row(string email, int n) => email + string.Concat(Enumerable.Repeat(",v", n));
        var first = Headers("a", 30);
        await Importer().ImportAsync(new CsvTestBuilder(first).Row(Row("full@example.com", 30)).ToStream(), ImportKind.Customers, Suggest(ImportKind.Customers, first));

        var second = Headers("b", 25);
        var summary = await Importer().ImportAsync(new CsvTestBuilder(second).Row(Row("full@example.com", 25)).Row(Row("fresh@example.com", 25)).ToStream(),
            ImportKind.Customers, Suggest(ImportKind.Customers, second));

        summary.InsertedRows.ShouldBe(1);
        summary.Errors.Single().LineNumber.ShouldBe(2);
        summary.Errors.Single().Reason.ShouldContain($"at most {Limits.AttributesPerCustomer} custom attributes");
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync(c => c.Email == "full@example.com")).Attributes.Count.ShouldBe(30);
        (await db.Customers.SingleAsync(c => c.Email == "fresh@example.com")).Attributes.Count.ShouldBe(25);
    }

    [Fact]
    public async Task ACustomerAtTheCapWithTheShortestAttributesStillRefusesOneMore()
    {
        // One-character values and names of one or two characters: the shortest JSON a full customer can have, where SQLite's
        // merge skips reading the JSON of customers whose text is too short to pass the cap.
        string[] Headers(string prefix, int n) => ["email", .. Enumerable.Range(0, n).Select(i => $"{prefix}{i}")];
        var full = Headers("", Limits.AttributesPerCustomer);
        await Importer().ImportAsync(new CsvTestBuilder(full).Row("full@example.com" + string.Concat(Enumerable.Repeat(",v", Limits.AttributesPerCustomer))).ToStream(),
            ImportKind.Customers, Suggest(ImportKind.Customers, full));

        var summary = await Importer().ImportAsync(new CsvTestBuilder("email", "x").Row("full@example.com,v").Row("other@example.com,v").ToStream(),
            ImportKind.Customers, Suggest(ImportKind.Customers, "email", "x"));

        summary.InsertedRows.ShouldBe(1);
        summary.Errors.Single().LineNumber.ShouldBe(2);
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Customers.SingleAsync(c => c.Email == "full@example.com")).Attributes.Count.ShouldBe(Limits.AttributesPerCustomer);
    }

    [Fact]
    public async Task AnApiBatchOverTheAttributeCapIsRefusedPerItem()
    {
        var columns = new[] { "email" }.Concat(Enumerable.Range(0, Limits.AttributesPerCustomer + 1).Select(i => "attribute:k" + i)).ToList();
        var mapping = new ImportMapping { Columns = columns.Select(c => new ColumnMapping(c, c)).ToList() };
        string[] Item(string email, int filled) => [email, .. Enumerable.Range(0, columns.Count - 1).Select(i => i < filled ? "v" : "")];

        var summary = await Importer().UpsertAsync(ImportKind.Customers, mapping, [Item("many@example.com", Limits.AttributesPerCustomer + 1), Item("few@example.com", 3)]);

        summary.InsertedRows.ShouldBe(1);
        summary.Errors.Single().LineNumber.ShouldBe(1);
        summary.Errors.Single().Reason.ShouldContain($"at most {Limits.AttributesPerCustomer} custom attributes");
    }

    public sealed class OnSqlite() : CsvImportTrustTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : CsvImportTrustTests(DatabaseProviders.Postgres);
}
