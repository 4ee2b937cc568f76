using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

public sealed class ImportAndFindCustomerTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerSignsInImportsASmallCsvAndFindsTheCustomerInTheGrid()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        (await page.TextContentAsync("[data-testid=signed-in-user]")).ShouldBe("marketer@demo.local");
        await BrowserFixture.ScreenshotAsync(page, "01-dashboard-empty");

        await BrowserFixture.OpenAsync(page, "/customers/import");
        var csv = "Email,First Name,Last Name,Country,Shoe Size\n"
            + "greta.garbo@example.com,Greta,Garbo,Sweden,38\n"
            + "broken-address,Bad,Row,Nowhere,40\n"
            + "hans.albers@example.com,Hans,Albers,Germany,44\n";
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=file-input]", new FilePayload { Name = "customers.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.WaitForSelectorAsync("[data-testid=mapping-table]");
        (await page.TextContentAsync("[data-testid=mapping-table]"))!.ShouldContain("greta.garbo@example.com");
        await BrowserFixture.ScreenshotAsync(page, "02-import-mapping");

        await page.ClickAsync("[data-testid=start-import]");
        await page.WaitForURLAsync("**/customers/imports/*");
        await page.Locator("[data-testid=import-status]").Filter(new() { HasText = "Completed" }).WaitForAsync();
        (await page.TextContentAsync("[data-testid=import-errors]"))!.ShouldContain("'broken-address' is not a valid e-mail address");
        (await page.TextContentAsync("[data-testid=kpi-new]"))!.Trim().ShouldBe("2");
        await BrowserFixture.ScreenshotAsync(page, "03-import-finished");

        await BrowserFixture.OpenAsync(page, "/customers");
        await page.Locator("[data-testid=customer-total]").Filter(new() { HasText = "2 customers" }).WaitForAsync();
        await page.Locator("input[data-testid=customer-search], [data-testid=customer-search] input").First.FillAsync("gre");
        await page.Locator("[data-testid=customer-total]").Filter(new() { HasText = "1 customer" }).WaitForAsync();
        var grid = page.Locator("[data-testid=customer-grid] tbody");
        (await grid.TextContentAsync())!.ShouldContain("greta.garbo@example.com");
        (await grid.TextContentAsync())!.ShouldNotContain("hans.albers@example.com");
        await BrowserFixture.ScreenshotAsync(page, "04-customers-search");

        await page.ClickAsync("text=greta.garbo@example.com");
        await page.WaitForSelectorAsync("[data-testid=customer-name]");
        (await page.TextContentAsync("[data-testid=customer-name]"))!.ShouldBe("Greta Garbo");
        (await page.TextContentAsync("body"))!.ShouldContain("shoe_size");
        await BrowserFixture.ScreenshotAsync(page, "05-customer-page");
    }

    [Fact]
    public async Task AManagerSeesNoImportButtonAndCannotOpenTheImportPage()
    {
        var page = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(page, "/customers");
        await page.WaitForSelectorAsync("[data-testid=customer-grid]");
        (await page.Locator("[data-testid=import-button]").CountAsync()).ShouldBe(0);

        await page.GotoAsync("/customers/import");
        await page.WaitForSelectorAsync("text=Your role does not give access");
        (await page.Locator("[data-testid=file-input]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(page, "06-manager-denied");
    }
}
