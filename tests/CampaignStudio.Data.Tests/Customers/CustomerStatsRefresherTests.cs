using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Customers;

public abstract class CustomerStatsRefresherTests(string provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private CustomerStatsRefresher Refresher(DateTime? now = null) => new(_db.Factory, new FixedClock(now ?? FixedClock.Now));

    /// <summary>Ten buyers: buyer i made i purchases of i euros, i to 2i−1 days ago (so buyer 1 bought most recently).</summary>
    private async Task<List<long>> SeedTenBuyersAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var buyers = new List<Customer>();
        for (var i = 1; i <= 10; i++)
        {
            var builder = CustomerTestBuilder.Named($"Buyer{i}").WithEmail($"buyer{i}@example.com");
            for (var k = 0; k < i; k++)
            {
                builder.Bought(i, "Books", daysAgo: i + k);
            }

            buyers.Add(builder.Build());
        }

        db.Customers.AddRange(buyers);
        db.Customers.Add(CustomerTestBuilder.Named("Nobody").WithEmail("nobody@example.com").Build());
        var erased = CustomerTestBuilder.Named("Gone").Bought(1_000m, "Books", daysAgo: 0).Build();
        erased.IsErased = true;
        db.Customers.Add(erased);
        await db.SaveChangesAsync();
        return [.. buyers.Select(b => b.Id)];
    }

    private async Task<Dictionary<string, CustomerStats>> StatsByFirstNameAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.CustomerStats.AsNoTracking().Include(s => s.Customer).ToDictionaryAsync(s => s.Customer!.FirstName!);
    }

    [Fact]
    public async Task RefreshComputesCountsTotalsDatesAndQuintiles()
    {
        await SeedTenBuyersAsync();

        (await Refresher().RefreshAllAsync()).ShouldBe(11);

        var stats = await StatsByFirstNameAsync();
        stats.Keys.ShouldNotContain("Gone");
        for (var i = 1; i <= 10; i++)
        {
            var s = stats[$"Buyer{i}"];
            s.OrderCount.ShouldBe(i);
            s.TotalSpent.ShouldBe(i * i);
            s.AverageOrderValue.ShouldBe(i);
            s.LastPurchaseAt.ShouldBe(FixedClock.Now.AddDays(-i));
            s.FirstPurchaseAt.ShouldBe(FixedClock.Now.AddDays(-(2 * i - 1)));
            s.RefreshedAt.ShouldBe(FixedClock.Now);

            // Ten buyers make quintiles of two: buyers 1–2 bought most recently (recency 5) and least often and least (1).
            var quintile = (i + 1) / 2;
            (s.RecencyScore, s.FrequencyScore, s.MonetaryScore).ShouldBe((6 - quintile, quintile, quintile), $"buyer {i}");
        }

        var nobody = stats["Nobody"];
        (nobody.OrderCount, nobody.TotalSpent, nobody.AverageOrderValue, nobody.LastPurchaseAt).ShouldBe((0, 0m, (decimal?)null, (DateTime?)null));
        (nobody.RecencyScore, nobody.FrequencyScore, nobody.MonetaryScore).ShouldBe((null, null, null));
    }

    [Fact]
    public async Task TiesAreBrokenByCustomerIdSoScoresAreReproducible()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Seven identical one-off buyers: NTILE(5) makes groups of 2, 2, 1, 1, 1 in id order.
            db.Customers.AddRange(Enumerable.Range(1, 7).Select(i => CustomerTestBuilder.Named($"Same{i}").Bought(20m, "Books", FixedClock.Now.AddDays(-3)).Build()));
            await db.SaveChangesAsync();
        }

        await Refresher().RefreshAllAsync();

        await using var read = await _db.Factory.CreateDbContextAsync();
        var scores = await read.CustomerStats.OrderBy(s => s.CustomerId).Select(s => new { s.RecencyScore, s.FrequencyScore, s.MonetaryScore }).ToListAsync();
        scores.Select(s => s.FrequencyScore).ShouldBe([1, 1, 2, 2, 3, 4, 5]);
        scores.Select(s => s.RecencyScore).ShouldBe([1, 1, 2, 2, 3, 4, 5]);
        scores.Select(s => s.MonetaryScore).ShouldBe([1, 1, 2, 2, 3, 4, 5]);
    }

    [Fact]
    public async Task RefreshReplacesOldNumbersAndDropsErasedCustomers()
    {
        var ids = await SeedTenBuyersAsync();
        await Refresher().RefreshAllAsync();
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var buyer1 = await db.Customers.SingleAsync(c => c.Id == ids[0]);
            buyer1.IsErased = true;
            db.Purchases.Add(new Purchase { CustomerId = ids[9], Amount = 50m, PurchasedAt = FixedClock.Now, SourceKey = "late" });
            await db.SaveChangesAsync();
        }

        (await Refresher(FixedClock.Now.AddHours(1)).RefreshAllAsync()).ShouldBe(10);

        var stats = await StatsByFirstNameAsync();
        stats.Keys.ShouldNotContain("Buyer1");
        stats["Buyer10"].OrderCount.ShouldBe(11);
        stats["Buyer10"].TotalSpent.ShouldBe(150m);
        stats["Buyer10"].RecencyScore.ShouldBe(5);
        stats.Values.ShouldAllBe(s => s.RefreshedAt == FixedClock.Now.AddHours(1));
    }

    [Fact]
    public async Task RefreshingNewBuyersOnlyTouchesThemAndPlacesThemByTheCurrentBoundaries()
    {
        await SeedTenBuyersAsync();
        await Refresher().RefreshAllAsync();
        long nobodyId;
        var watermark = await Refresher().PurchaseWatermarkAsync();
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            nobodyId = await db.Customers.Where(c => c.FirstName == "Nobody").Select(c => c.Id).SingleAsync();
            db.Purchases.AddRange(
                new Purchase { CustomerId = nobodyId, Amount = 60m, PurchasedAt = FixedClock.Now.AddDays(-1), SourceKey = "n1" },
                new Purchase { CustomerId = nobodyId, Amount = 10m, PurchasedAt = FixedClock.Now.AddDays(-30), SourceKey = "n2" });
            await db.SaveChangesAsync();
        }

        (await Refresher(FixedClock.Now.AddMinutes(5)).RefreshBuyersSinceAsync(watermark)).ShouldBe(1);

        var stats = await StatsByFirstNameAsync();
        var nobody = stats["Nobody"];
        (nobody.OrderCount, nobody.TotalSpent, nobody.AverageOrderValue).ShouldBe((2, 70m, (decimal?)35m));
        nobody.LastPurchaseAt.ShouldBe(FixedClock.Now.AddDays(-1));
        nobody.RefreshedAt.ShouldBe(FixedClock.Now.AddMinutes(5));

        // Boundaries (lowest value holding each score): recency 5 from buyer 2's last purchase (2 days ago), frequency
        // 2 from 3 orders, monetary 5 from buyer 9's 81 euros and 4 from buyer 7's 49.
        (nobody.RecencyScore, nobody.FrequencyScore, nobody.MonetaryScore).ShouldBe((5, 1, 4));
        stats.Values.Where(s => s.CustomerId != nobodyId).ShouldAllBe(s => s.RefreshedAt == FixedClock.Now);
    }

    [Fact]
    public async Task ImportedPurchasesShowInTheStatsAfterTheRefreshAnImportRuns()
    {
        var importer = new CsvImporter(_db.Factory, new FixedClock());
        var headers = new[] { "customer_email", "order_id", "amount", "date" };
        var csv = new CsvTestBuilder(headers)
            .Row("anna@example.com,O-1,19.50,2026-06-01")
            .Row("anna@example.com,O-2,30.50,2026-06-10")
            .Row("ben@example.com,O-3,5,2026-01-01");

        await importer.ImportAsync(csv.ToStream(), ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, headers));
        await Refresher().RefreshAllAsync();

        var stats = await StatsByEmailAsync();
        (stats["anna@example.com"].OrderCount, stats["anna@example.com"].TotalSpent, stats["anna@example.com"].RecencyScore).ShouldBe((2, 50m, (int?)2));
        (stats["ben@example.com"].OrderCount, stats["ben@example.com"].TotalSpent, stats["ben@example.com"].RecencyScore).ShouldBe((1, 5m, (int?)1));

        // The API path: a batch upsert refreshes the buyers it wrote to.
        await Refresher().RefreshAfterPurchasesAsync(() =>
            importer.UpsertAsync(ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, headers), [["ben@example.com", "O-4", "7", "2026-06-14"]]));

        stats = await StatsByEmailAsync();
        (stats["ben@example.com"].OrderCount, stats["ben@example.com"].TotalSpent).ShouldBe((2, 12m));
        stats["ben@example.com"].LastPurchaseAt.ShouldBe(new DateTime(2026, 6, 14, 0, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public async Task CustomersAddedSinceTheLastRefreshCountAsHavingNoPurchases()
    {
        await SeedTenBuyersAsync();
        await Refresher().RefreshAllAsync();
        await using var db = await _db.Factory.CreateDbContextAsync();
        db.Customers.Add(CustomerTestBuilder.Named("Newcomer").Build());
        await db.SaveChangesAsync();
        var compiler = new SegmentQueryCompiler(db, new FixedClock());

        async Task<string[]> Members(RuleCondition condition) =>
            [.. (await (await compiler.MembersAsync(new SegmentRule { Root = condition })).Select(c => c.FirstName!).ToListAsync()).Order(StringComparer.Ordinal)];

        (await Members(new RuleCondition(RuleFields.PurchaseCount, RuleOperators.EqualTo) { Value = "0" })).ShouldBe(["Newcomer", "Nobody"]);
        (await Members(new RuleCondition(RuleFields.PurchaseTotal, RuleOperators.LessThan) { Value = "4" })).ShouldBe(["Buyer1", "Newcomer", "Nobody"]);
        (await Members(new RuleCondition(RuleFields.PurchaseAverage, RuleOperators.NotEqualTo) { Value = "1" })).Length.ShouldBe(11);
        (await Members(new RuleCondition(RuleFields.RfmRecency, RuleOperators.AtMost) { Value = "5" })).Length.ShouldBe(10);
    }

    private async Task<Dictionary<string, CustomerStats>> StatsByEmailAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.CustomerStats.AsNoTracking().Include(s => s.Customer).ToDictionaryAsync(s => s.Customer!.Email!);
    }

    public sealed class OnSqlite() : CustomerStatsRefresherTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : CustomerStatsRefresherTests(DatabaseProviders.Postgres);
}
