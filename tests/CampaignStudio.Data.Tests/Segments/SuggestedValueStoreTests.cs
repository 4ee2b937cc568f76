using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Segments;

public abstract class SuggestedValueStoreTests(string provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>Berlin 3, München 2, Oberhausen 1, Bern 1 (Swiss); "Books" in 3 purchases, garden and toys in 2, "books" in 1.</summary>
    private async Task SeedAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        Customer Person(int i, string country, string? city) => CustomerTestBuilder.Named($"P{i}").WithEmail($"p{i}@example.com").From(country, city).Build();
        db.Customers.AddRange(
            Person(1, "Germany", "Berlin"), Person(2, "Germany", "Berlin"), Person(3, "Germany", "Berlin"),
            Person(4, "Germany", "München"), Person(5, "Germany", "München"), Person(6, "Germany", "Oberhausen"),
            Person(7, "Switzerland", "Bern"), Person(8, "Germany", null), Person(9, "Germany", ""));
        var erased = CustomerTestBuilder.Named(null).From(null, null).Build(); // erasure clears country and city
        erased.IsErased = true;
        db.Customers.Add(erased);
        db.Customers.Add(CustomerTestBuilder.Named("Reader").WithEmail("reader@example.com")
            .Bought(10, "Books", daysAgo: 1).Bought(12, "Books", daysAgo: 2).Bought(9, "Toys", daysAgo: 3).Bought(5, null, daysAgo: 4).Build());
        db.Customers.Add(CustomerTestBuilder.Named("Gardener").WithEmail("gardener@example.com")
            .Bought(10, "Books", daysAgo: 1).Bought(12, "books", daysAgo: 2).Bought(9, "Toys", daysAgo: 3).Bought(30, "Garden", daysAgo: 4).Bought(20, "Garden", daysAgo: 5).Build());
        await db.SaveChangesAsync();
    }

    private async Task<IReadOnlyList<string>> SearchAsync(string field, string? text, int take = SuggestedValueStore.MaxSuggestions)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await SuggestedValueStore.SearchAsync(db, field, text, take);
    }

    [Fact]
    public async Task TheStatsRefreshCountsEachValueAndTheSearchListsTheMostFrequentFirst()
    {
        await SeedAsync();

        await new CustomerStatsRefresher(_db.Factory, new FixedClock(FixedClock.Now)).RefreshAllAsync();

        // Empty and missing cities are not counted; ties go alphabetically.
        (await SearchAsync(RuleFields.City, null)).ShouldBe(["Berlin", "München", "Bern", "Oberhausen"]);
        (await SearchAsync(RuleFields.Country, "")).ShouldBe(["Germany", "Switzerland"]);
        (await SearchAsync(RuleFields.PurchasedCategory, null)).ShouldBe(["Books", "Garden", "Toys", "books"]);
        (await SearchAsync(RuleFields.City, null, take: 2)).ShouldBe(["Berlin", "München"]);
    }

    [Fact]
    public async Task SearchingFindsValuesContainingTheTextInAnyCase()
    {
        await SeedAsync();
        await new CustomerStatsRefresher(_db.Factory, new FixedClock(FixedClock.Now)).RefreshAllAsync();

        (await SearchAsync(RuleFields.City, "BER")).ShouldBe(["Berlin", "Bern", "Oberhausen"]);
        (await SearchAsync(RuleFields.City, "  ern ")).ShouldBe(["Bern"]);
        (await SearchAsync(RuleFields.PurchasedCategory, "oo")).ShouldBe(["Books", "books"]);
        (await SearchAsync(RuleFields.City, "100%")).ShouldBeEmpty();
    }

    [Fact]
    public async Task FieldsWithoutPickListsHaveNoSuggestions()
    {
        await SeedAsync();
        await new CustomerStatsRefresher(_db.Factory, new FixedClock(FixedClock.Now)).RefreshAllAsync();

        (await SearchAsync(RuleFields.Email, "p1")).ShouldBeEmpty();
        (await SearchAsync("city; DROP TABLE Customers", null)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ARefreshReplacesTheOldCounts()
    {
        await SeedAsync();
        var refresher = new CustomerStatsRefresher(_db.Factory, new FixedClock(FixedClock.Now));
        await refresher.RefreshAllAsync();

        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            await db.Customers.Where(c => c.City == "Berlin").ExecuteUpdateAsync(s => s.SetProperty(c => c.City, "Hamburg"));
        }

        await refresher.RefreshAllAsync();

        (await SearchAsync(RuleFields.City, null)).ShouldBe(["Hamburg", "München", "Bern", "Oberhausen"]);
    }

    public sealed class OnSqlite() : SuggestedValueStoreTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : SuggestedValueStoreTests(DatabaseProviders.Postgres);
}
