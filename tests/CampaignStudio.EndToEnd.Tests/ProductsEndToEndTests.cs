using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The product catalogue in a real browser (issue 16): the empty grid points at the import; a catalogue with long names,
/// thumbnails and a sold-out product; the stock filter; a product page with buyers and what was bought with it; the
/// grid on a phone in dark mode.
/// </summary>
public sealed class ProductsEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private IServiceProvider Services => browser.App.Services;

    [Fact]
    public async Task AMarketerFindsTheCatalogueFiltersByStockAndOpensAProduct()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/products");
        await page.Locator("[data-testid=products-empty]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=products-empty]"))!.ShouldContain("Import your catalogue");
        await BrowserFixture.ScreenshotAsync(page, "products-empty");

        await CatalogueAsync();
        await BrowserFixture.OpenAsync(page, "/products");
        await page.Locator("[data-testid=product-name]").First.WaitForAsync();
        (await page.TextContentAsync("[data-testid=product-total]"))!.ShouldBe("12 products");
        (await page.Locator("[data-testid=product-thumb]").CountAsync()).ShouldBeGreaterThan(0);
        await page.SetViewportSizeAsync(1400, 900);
        (await ColumnsOverflowAsync(page)).ShouldBe(0, "every column of the grid fits at 1,400 px (no sideways scrolling inside the grid)");
        await BrowserFixture.ScreenshotAsync(page, "products-grid");

        await page.GetByText("In stock only").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=product-total]')?.textContent === '11 products'");

        await page.Locator("input[data-testid=product-search], [data-testid=product-search] input").First.FillAsync("trail");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=product-total]')?.textContent === '1 product'");
        await page.Locator("[data-testid=product-name]").First.ClickAsync();
        await page.Locator("[data-testid=bought-together]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=product-title]"))!.ShouldStartWith("Trail running shoe");
        (await page.TextContentAsync("[data-testid=kpi-buyers]"))!.ShouldBe("12");
        (await page.TextContentAsync("[data-testid=bought-together]"))!.ShouldContain("not in catalogue");
        await BrowserFixture.ScreenshotAsync(page, "product-page");

        var dark = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, "/products");
        await dark.Locator("[data-testid=product-name]").First.WaitForAsync();
        (await dark.Locator("[data-testid=import-products]").CountAsync()).ShouldBe(0, "a manager reads the catalogue and imports nothing");
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "the grid fits a phone");
        (await ColumnsOverflowAsync(dark)).ShouldBe(0, "the name and price columns fit a phone");
        (await dark.Locator("[data-testid=product-search] input, input[data-testid=product-search]").First.BoundingBoxAsync())!.Width.ShouldBeGreaterThan(180, "the search field is not squeezed to a few letters");
        await BrowserFixture.ScreenshotAsync(dark, "products-dark-375");
    }

    /// <summary>How many pixels the grid's table is wider than its container (0 when every column shows).</summary>
    private static Task<int> ColumnsOverflowAsync(IPage page) =>
        page.EvaluateAsync<int>("() => { const c = document.querySelector('[data-testid=product-grid] .mud-table-container'); return c.scrollWidth - c.clientWidth; }");

    /// <summary>Twelve products, some with very long names, one sold out; twelve buyers of the trail shoe who also bought socks and an id the catalogue lacks.</summary>
    private async Task CatalogueAsync()
    {
        var image = browser.BaseUrl.TrimEnd('/') + "/assets/logo.svg";
        string[] fields = [ImportFields.ProductId, ImportFields.ProductName, ImportFields.Category, ImportFields.Brand, ImportFields.Price, ImportFields.SalePrice,
            ImportFields.InStock, ImportFields.ImageUrl, ImportFields.ProductUrl, ImportFields.Currency];
        string[][] rows =
        [
            ["shoe-1", "Trail running shoe with a very long name that a shop's feed would happily send, waterproof, reflective, size 36 to 48", "Shoes", "Nordwind Outdoor Equipment International", "129.00", "99.00", "yes", image, "https://shop.example.com/shoe-1", "EUR"],
            ["sock-1", "Merino hiking socks (3 pairs)", "Clothing", "Alp", "24.90", "", "yes", image, "https://shop.example.com/sock-1", "EUR"],
            ["tent-1", "Ultralight two-person tent", "Outdoor", "Nordwind", "349.00", "", "no", "", "https://shop.example.com/tent-1", "EUR"],
            .. Enumerable.Range(1, 9).Select(i => (string[])[$"cap-{i}", $"Cap number {i}", "Clothing", "Alp", $"{10 + i}.00", "", "yes", i % 2 == 0 ? image : "", "", "EUR"]),
        ];
        var importer = new CsvImporter(Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>(), browser.App.Clock);
        var summary = await importer.UpsertAsync(ImportKind.Products, new ImportMapping { Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() }, rows);
        summary.Errors.ShouldBeEmpty();

        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var now = browser.App.Clock.GetUtcNow().UtcDateTime;
        for (var i = 0; i < 12; i++)
        {
            var customer = new Customer { CreatedAt = now, UpdatedAt = now };
            customer.SetEmail($"runner{i}@example.com");
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            db.Purchases.Add(new Purchase { CustomerId = customer.Id, Product = "shoe-1", Amount = 99, PurchasedAt = now.AddDays(-10), SourceKey = $"shoe-{i}" });
            db.Purchases.Add(new Purchase { CustomerId = customer.Id, Product = "sock-1", Amount = 24.9m, PurchasedAt = now.AddDays(-9), SourceKey = $"sock-{i}" });
            db.Purchases.Add(new Purchase { CustomerId = customer.Id, Product = "old-insole-7", Amount = 9, PurchasedAt = now.AddDays(-8), SourceKey = $"insole-{i}" });
        }

        await db.SaveChangesAsync();
    }
}
