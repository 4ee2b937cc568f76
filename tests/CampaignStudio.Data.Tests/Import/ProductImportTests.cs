using CampaignStudio.Data.Import;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Import;

/// <summary>The product catalogue through the same importer as customers (issue 16): upsert by product id, every line accounted for.</summary>
public abstract class ProductImportTests(string provider) : IAsyncLifetime
{
    private static readonly string[] Headers = ["SKU", "Title", "Link", "Image", "Price", "Sale price", "Category", "Brand", "Availability", "Colour"];

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private CsvImporter Importer(int batchSize = CsvImporter.DefaultBatchSize) => new(_db.Factory, new StudioClock()) { BatchSize = batchSize };

    private static ImportMapping Mapping(params string[] headers) => ImportFields.Suggest(ImportKind.Products, headers.Length == 0 ? Headers : headers);

    [Fact]
    public void TheMappingIsSuggestedFromAShopExportsHeaders()
    {
        Mapping().Columns.Select(c => c.Target).ShouldBe(
        [
            ImportFields.ProductId, ImportFields.ProductName, ImportFields.ProductUrl, ImportFields.ImageUrl, ImportFields.Price, ImportFields.SalePrice,
            ImportFields.Category, ImportFields.Brand, ImportFields.InStock, "attribute:colour",
        ]);
    }

    [Fact]
    public async Task BadRowsAreReportedWithTheirLineNumbersAndReasonsAndEveryLineIsAccountedFor()
    {
        var csv = new CsvTestBuilder(Headers)
            .Row("SKU-1,Rain jacket,https://shop.example.com/p/1,https://cdn.example.com/1.jpg,49.90,39.90,Outdoor,Nordwind,in stock,red") // 2
            .Row(",No id,,,,,,,,")                                                                                                      // 3
            .Row("SKU-3,,,,,,,,,")                                                                                                      // 4
            .Row("SKU-4,Boots,/p/4,,10,,,,,")                                                                                           // 5: relative link
            .Row("SKU-5,Scarf,,,12.5x,,,,,")                                                                                            // 6: price
            .Row("SKU-6,Hat,,,10,12,,,,")                                                                                               // 7: sale above price
            .Row("SKU-7,Gloves,,,-1,,,,,")                                                                                              // 8: negative
            .Row("SKU-8,Socks,,,3,,,,maybe,")                                                                                           // 9: stock
            .Row("SKU-1,Rain jacket again,,,,,,,,")                                                                                     // 10: duplicate
            .Row(",,,,,,,,,")                                                                                                           // 11: blank
            .Row("SKU-9,\"Tent, 2 persons\",https://shop.example.com/p/9,,199,,Outdoor,,out of stock,");                               // 12

        var summary = await Importer().ImportAsync(csv.ToStream(), ImportKind.Products, Mapping());

        summary.Errors.Select(e => e.LineNumber).ShouldBe([3, 4, 5, 6, 7, 8, 9, 10]);
        summary.Errors[0].Reason.ShouldBe("product id is empty");
        summary.Errors[1].Reason.ShouldBe("name is empty");
        summary.Errors[2].Reason.ShouldContain("not an absolute http(s) URL");
        summary.Errors[3].Reason.ShouldContain("price '12.5x' is not a number");
        summary.Errors[4].Reason.ShouldContain("sale price 12 is above the price 10");
        summary.Errors[5].Reason.ShouldContain("below zero");
        summary.Errors[6].Reason.ShouldContain("in stock 'maybe' is not yes/no");
        summary.Errors[7].Reason.ShouldContain("duplicate of line 2");
        (summary.LinesRead, summary.InsertedRows, summary.UpdatedRows, summary.ErrorRows, summary.BlankLines).ShouldBe((11L, 2L, 0L, 8L, 1L));

        await using var db = await _db.Factory.CreateDbContextAsync();
        var jacket = await db.Products.SingleAsync(p => p.ExternalId == "SKU-1");
        (jacket.Name, jacket.NameKey, jacket.Url, jacket.ImageUrl, jacket.Price, jacket.SalePrice, jacket.Category, jacket.Brand, jacket.InStock)
            .ShouldBe(("Rain jacket", "rain jacket", "https://shop.example.com/p/1", "https://cdn.example.com/1.jpg", 49.90m, 39.90m, "Outdoor", "Nordwind", true));
        jacket.Attributes["colour"].ShouldBe("red");
        jacket.CreatedAt.ShouldBeInRange(StudioClock.DefaultStart.UtcDateTime, StudioClock.DefaultStart.UtcDateTime.AddHours(1));
        (await db.Products.SingleAsync(p => p.ExternalId == "SKU-9")).InStock.ShouldBeFalse();
    }

    [Fact]
    public async Task ReimportingUpdatesByProductIdAnEmptyCellClearsAndAnEmptyStockKeepsTheStoredValue()
    {
        string[] headers = ["id", "name", "price", "sale_price", "in_stock"];
        var first = await Importer(batchSize: 2).ImportAsync(new CsvTestBuilder(headers)
            .Row("A,Apple,2.00,1.50,no")
            .Row("B,Banana,1.00,,yes")
            .Row("C,Cherry,5.00,,")
            .ToStream(), ImportKind.Products, Mapping(headers));
        var second = await Importer(batchSize: 2).ImportAsync(new CsvTestBuilder(headers)
            .Row("A,Green apple,2.20,,")   // the sale ended; stock not given: stays out of stock
            .Row("B,Banana,1.00,,0")
            .Row("D,Date,7.00,,")
            .ToStream(), ImportKind.Products, Mapping(headers));

        (first.InsertedRows, first.UpdatedRows).ShouldBe((3L, 0L));
        (second.InsertedRows, second.UpdatedRows).ShouldBe((1L, 2L));
        await using var db = await _db.Factory.CreateDbContextAsync();
        var products = await db.Products.AsNoTracking().OrderBy(p => p.ExternalId).ToListAsync();
        products.Select(p => (p.ExternalId, p.Name, p.Price, p.SalePrice, p.InStock)).ShouldBe(
        [
            ("A", "Green apple", 2.20m, null, false),
            ("B", "Banana", 1.00m, null, false),
            ("C", "Cherry", 5.00m, null, true),
            ("D", "Date", 7.00m, null, true),
        ]);
    }

    [Fact]
    public async Task AColumnThatIsNotMappedKeepsWhatAnEarlierImportStored()
    {
        await Importer().ImportAsync(new CsvTestBuilder("id", "name", "category", "brand").Row("A,Apple,Fruit,Orchard").ToStream(),
            ImportKind.Products, Mapping("id", "name", "category", "brand"));
        await Importer().ImportAsync(new CsvTestBuilder("id", "name", "price").Row("A,Apple,3").ToStream(),
            ImportKind.Products, Mapping("id", "name", "price"));

        await using var db = await _db.Factory.CreateDbContextAsync();
        var apple = await db.Products.SingleAsync();
        (apple.Category, apple.Brand, apple.Price).ShouldBe(("Fruit", "Orchard", 3m));
    }

    [Fact]
    public async Task PurchasesTakeTheirCatalogueProductsCategoryWhicheverWasImportedFirst()
    {
        string[] purchaseHeaders = ["email", "order_id", "amount", "product", "purchased_at", "category"];
        await Importer().ImportAsync(new CsvTestBuilder(purchaseHeaders)
            .Row("a@example.com,o1,10,P1,2026-05-01,")        // before its product
            .Row("b@example.com,o2,10,P2,2026-05-01,Own")     // its own category wins
            .Row("c@example.com,o4,10,P9,2026-05-01,")        // not in the catalogue
            .ToStream(), ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, purchaseHeaders));
        await Importer().ImportAsync(new CsvTestBuilder("id", "name", "category").Row("P1,Pot,Kitchen").Row("P2,Rake,Garden").Row("P3,Pan,Kitchen").ToStream(),
            ImportKind.Products, Mapping("id", "name", "category"));
        await Importer().ImportAsync(new CsvTestBuilder(purchaseHeaders).Row("c@example.com,o3,10,P3,2026-05-02,").ToStream(),
            ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, purchaseHeaders));

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.Purchases.AsNoTracking().OrderBy(p => p.OrderId).Select(p => p.Category).ToListAsync()).ShouldBe(["Kitchen", "Own", "Kitchen", null]);
    }

    [Fact]
    public async Task ABoughtCategoryConditionPicksFromTheCatalogueOnceThereIsOne()
    {
        string[] purchaseHeaders = ["email", "order_id", "amount", "category", "purchased_at"];
        await Importer().ImportAsync(new CsvTestBuilder(purchaseHeaders)
            .Row("a@example.com,o1,10,Garden,2026-05-01").Row("b@example.com,o2,10,Garden,2026-05-01").Row("b@example.com,o3,10,Legacy,2026-05-01")
            .ToStream(), ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, purchaseHeaders));
        await using var db = await _db.Factory.CreateDbContextAsync();
        await CampaignStudio.Data.Segments.SuggestedValueStore.RefreshAsync(db);
        var before = await CampaignStudio.Data.Segments.SuggestedValueStore.SearchAsync(db, Domain.Segments.Rules.RuleFields.PurchasedCategory, null);

        await Importer().ImportAsync(new CsvTestBuilder("id", "name", "category").Row("P1,Pot,Kitchen").Row("P2,Pan,Kitchen").Row("P3,Rake,Garden").Row("P4,Tea,Tea & Co").ToStream(),
            ImportKind.Products, Mapping("id", "name", "category"));
        var after = await CampaignStudio.Data.Segments.SuggestedValueStore.SearchAsync(db, Domain.Segments.Rules.RuleFields.PurchasedCategory, null);
        var searched = await CampaignStudio.Data.Segments.SuggestedValueStore.SearchAsync(db, Domain.Segments.Rules.RuleFields.PurchasedCategory, "TEA");

        before.ShouldBe(["Garden", "Legacy"]);
        after.ShouldBe(["Garden", "Kitchen", "Tea & Co"]);   // bought most first, then by products; "Legacy" is not in the catalogue
        searched.ShouldBe(["Tea & Co"]);
    }

    public sealed class OnSqlite() : ProductImportTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : ProductImportTests(DatabaseProviders.Postgres);
}
