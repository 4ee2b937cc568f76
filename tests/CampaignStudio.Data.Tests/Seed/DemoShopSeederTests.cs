using CampaignStudio.Data.Seed;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Seed;

public sealed class DemoShopSeederTests
{
    private static readonly TimeProvider FixedClock = new FixedTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TheDemoShopLooksLikeARealShopAndItsExperimentHasAKnownHeterogeneousEffect()
    {
        await using var test = await SqliteTestDatabase.CreateAsync();
        (await new DemoShopSeeder(test.Factory, FixedClock).SeedIfEmptyAsync(new DemoShopOptions(Customers: 6_000))).ShouldBeTrue();
        (await new DemoShopSeeder(test.Factory, FixedClock).SeedIfEmptyAsync(new DemoShopOptions(Customers: 6_000))).ShouldBeFalse();

        await using var db = await test.Factory.CreateDbContextAsync();
        (await db.Customers.CountAsync()).ShouldBe(6_000);
        var segment = await db.Segments.SingleAsync();
        Domain.Segments.Rules.SegmentRuleJson.Parse(segment.RuleJson).Error.ShouldBeNull();
        var ordersPerCustomer = await db.Purchases.GroupBy(p => p.CustomerId).Select(g => g.Count()).ToListAsync();
        var buyOnce = ordersPerCustomer.Count(n => n == 1) / (double)ordersPerCustomer.Count;
        buyOnce.ShouldBeInRange(0.45, 0.75);
        ordersPerCustomer.Max().ShouldBeGreaterThan(10);

        // Consent matches its log: every opted-in customer has an opt-in record.
        var optedIn = await db.Customers.CountAsync(c => c.EmailConsent == ConsentStatus.OptedIn);
        optedIn.ShouldBeInRange(3_000, 4_200);
        (await db.ConsentRecords.Where(r => r.Status == ConsentStatus.OptedIn).Select(r => r.CustomerId).Distinct().CountAsync()).ShouldBeGreaterThanOrEqualTo(optedIn);

        // The e-mail works on occasional buyers (true effect > 0) and not on loyal ones (0).
        var assignments = await db.Assignments.ToListAsync();
        assignments.Count.ShouldBeGreaterThan(2_000);
        assignments.Select(a => a.TrueEffect).Distinct().Order().ShouldBe([0.0, 0.03, 0.07]);
        var variants = await db.Variants.ToListAsync();
        var control = variants.Single(v => v.IsControl).Id;
        double Rate(bool treated) => assignments.Where(a => (a.VariantId != control) == treated).Average(a => a.Converted == true ? 1.0 : 0.0);
        (Rate(treated: true) - Rate(treated: false)).ShouldBeInRange(0.02, 0.09);
    }

    [Fact]
    public async Task TheDemoShopHasACatalogueHoldingEveryProductItsCustomersBought()
    {
        await using var test = await SqliteTestDatabase.CreateAsync();
        await new DemoShopSeeder(test.Factory, FixedClock).SeedIfEmptyAsync(new DemoShopOptions(Customers: 800, Seed: 7));

        await using var db = await test.Factory.CreateDbContextAsync();
        var products = await db.Products.AsNoTracking().ToListAsync();
        products.Count.ShouldBe(8 * DemoCatalogue.ItemsPerCategory);
        var bought = await db.Purchases.Select(p => p.Product).Distinct().ToListAsync();
        bought.ShouldNotBeEmpty();
        bought.ShouldBeSubsetOf(products.Select(p => (string?)p.ExternalId), "every purchase names a product the catalogue holds, so recommendations have links");
        products.ShouldAllBe(p => p.Url!.StartsWith("https://", StringComparison.Ordinal) && p.Price > 0 && p.Name.Length > 0);
        products.Count(p => !p.InStock).ShouldBeInRange(1, products.Count / 10, "a few products are sold out, most are not");
        products.Where(p => p.SalePrice is not null).ShouldAllBe(p => p.SalePrice < p.Price);
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameShop()
    {
        async Task<(int, decimal, int)> Shape()
        {
            await using var test = await SqliteTestDatabase.CreateAsync();
            await new DemoShopSeeder(test.Factory, FixedClock).SeedIfEmptyAsync(new DemoShopOptions(Customers: 800, Seed: 7));
            await using var db = await test.Factory.CreateDbContextAsync();
            return (await db.Purchases.CountAsync(), await db.Purchases.SumAsync(p => p.Amount), await db.CustomerEvents.CountAsync());
        }

        (await Shape()).ShouldBe(await Shape());
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
