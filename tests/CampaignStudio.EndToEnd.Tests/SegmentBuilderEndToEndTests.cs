using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

public sealed class SegmentBuilderEndToEndTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    [Fact]
    public async Task AMarketerBuildsARuleSegmentSeesTheCountChangeAndSavesIt()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/segments/new");

        // The new segment starts as "e-mail consent is OptedIn": everyone who can be mailed.
        var count = page.Locator("[data-testid=member-count]");
        await count.WaitForAsync();
        var optedIn = int.Parse((await count.TextContentAsync())!.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        optedIn.ShouldBeInRange(900, 1_500);

        // Add "number of purchases is at least 3": the count must drop.
        await page.ClickAsync("[data-testid=add-condition]");
        var second = page.Locator("[data-testid=rule-condition]").Nth(1);
        await second.Locator("[data-testid=condition-field]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Number of purchases" }).ClickAsync();
        await second.Locator("[data-testid=condition-operator]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "is at least" }).ClickAsync();
        await second.Locator("input[data-testid=condition-value], [data-testid=condition-value] input").First.FillAsync("3");
        await page.WaitForFunctionAsync(
            "n => { const e = document.querySelector('[data-testid=member-count]'); return e && parseInt(e.textContent.replace(/,/g, '')) < n; }", optedIn);
        var repeatBuyers = int.Parse((await count.TextContentAsync())!.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        repeatBuyers.ShouldBeGreaterThan(0);
        await BrowserFixture.ScreenshotAsync(page, "20-segment-builder");

        await page.Locator("input[data-testid=segment-name], [data-testid=segment-name] input").First.FillAsync("Mailable repeat buyers");
        await page.ClickAsync("[data-testid=save-segment]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/segments/[0-9]+$"), new() { WaitUntil = WaitUntilState.Commit });

        await BrowserFixture.OpenAsync(page, "/segments");
        (await page.TextContentAsync("[data-testid=segments-table]"))!.ShouldContain("Mailable repeat buyers");
    }
}
