using CampaignStudio.Data.Import;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Import;

/// <summary>
/// SQLite stages customers through its own statement API (issue 17) and writes dates and flags itself instead of the driver:
/// what it stores must be what the row-by-row path (driver parameters) stores, value for value and type for type.
/// </summary>
public sealed class StagedCustomerMergeTests : IAsyncLifetime
{
    private static readonly string[] Headers = ["email", "external_id", "first_name", "last_name", "birth_year", "created_at", "city", "loyalty"];

    private SqliteTestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await SqliteTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task AStagedRowIsStoredExactlyAsTheRowByRowPathStoresIt()
    {
        var importer = new CsvImporter(_db.Factory, new StudioClock());
        var mapping = ImportFields.Suggest(ImportKind.Customers, Headers);
        await importer.ImportAsync(new CsvTestBuilder(Headers)
            .Row("taken@example.com,X1,,,,,,")
            .Row("staged@example.com,,Jürgen,Öz 😀,1984,2024-03-05T10:20:30.25Z,Köln,\"gold \"\"plus\"\"\"")
            .ToStream(), ImportKind.Customers, mapping);

        // The clash (X1 belongs to taken@) sends this whole batch row by row.
        var summary = await importer.ImportAsync(new CsvTestBuilder(Headers)
            .Row("clash@example.com,X1,,,,,,")
            .Row("rowbyrow@example.com,,Jürgen,Öz 😀,1984,2024-03-05T10:20:30.25Z,Köln,\"gold \"\"plus\"\"\"")
            .ToStream(), ImportKind.Customers, mapping);
        summary.Errors.Single().LineNumber.ShouldBe(2);

        var staged = await StoredAsync("staged@example.com");
        var rowByRow = await StoredAsync("rowbyrow@example.com");
        // The studio's clock moves on between the two imports: the update times differ, their text form must not.
        var written = new System.Text.RegularExpressions.Regex(@"^UpdatedAt=text:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,7})?$");
        staged.Single(v => v.StartsWith("UpdatedAt=", StringComparison.Ordinal)).ShouldMatch(written.ToString());
        rowByRow.Single(v => v.StartsWith("UpdatedAt=", StringComparison.Ordinal)).ShouldMatch(written.ToString());
        staged.Where(v => !v.StartsWith("UpdatedAt=", StringComparison.Ordinal)).ShouldBe(rowByRow.Where(v => !v.StartsWith("UpdatedAt=", StringComparison.Ordinal)));
        staged.ShouldContain("CreatedAt=text:2024-03-05 10:20:30.25");
        staged.ShouldContain("BirthYear=integer:1984");
        staged.ShouldContain("IsErased=integer:0");

        await using var db = await _db.Factory.CreateDbContextAsync();
        var customer = await db.Customers.SingleAsync(c => c.Email == "staged@example.com");
        customer.CreatedAt.ShouldBe(new DateTime(2024, 3, 5, 10, 20, 30, 250, DateTimeKind.Utc), TimeSpan.Zero);
        (customer.FirstNameKey, customer.LastNameKey).ShouldBe(("jürgen", "öz 😀"));
        customer.Attributes["loyalty"].ShouldBe("gold \"plus\"");
    }

    private static readonly string[] Columns = ["ExternalId", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "CountryKey",
        "City", "BirthYear", "AgeBand", "Gender", "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "IsErased"];

    /// <summary>The customer's columns (not the keys), each as SQLite's storage type and value.</summary>
    private async Task<List<string>> StoredAsync(string email)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var cmd = connection.CreateCommand();
        // Column names from the list above, not input.
        cmd.CommandText = $"SELECT {string.Join(", ", Columns.Select(c => $"'{c}=' || typeof(\"{c}\") || ':' || COALESCE(\"{c}\", 'null')"))} FROM \"Customers\" WHERE \"Email\" = $email";
        var p = cmd.CreateParameter();
        p.ParameterName = "$email";
        p.Value = email;
        cmd.Parameters.Add(p);
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToList();
    }
}
