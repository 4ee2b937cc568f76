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

        var name = page.Locator("input[data-testid=segment-name], [data-testid=segment-name] input").First;
        await name.FillAsync("Mailable repeat buyers");
        await name.PressAsync("Tab");
        await page.ClickAsync("[data-testid=save-segment]");

        // Either the page moves to the saved segment or it says why not; a save error fails with its message.
        var saveError = page.Locator("[data-testid=save-error]");
        await saveError.Or(page.Locator("[data-testid=duplicate-segment]")).First.WaitForAsync();
        ((await saveError.CountAsync()) == 0 ? null : await saveError.TextContentAsync()).ShouldBeNull();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/segments/[0-9]+$"), new() { WaitUntil = WaitUntilState.Commit });

        await BrowserFixture.OpenAsync(page, "/segments");
        (await page.TextContentAsync("[data-testid=segments-table]"))!.ShouldContain("Mailable repeat buyers");
    }

    [Fact]
    public async Task TheBuilderLeavesAnUnfinishedConditionOutAndSuggestsCitiesFromTheData()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/segments/new");
        var count = page.Locator("[data-testid=member-count]");
        await count.WaitForAsync();
        var optedIn = (await count.TextContentAsync())!;

        // A new condition is not filled in yet: said quietly, no error, and the count stays.
        await page.ClickAsync("[data-testid=add-condition]");
        await page.Locator("[data-testid=rule-unfinished]").Filter(new() { HasText = "Condition 2 (Country)" }).WaitForAsync();
        (await page.Locator("[data-testid=rule-problem]").CountAsync()).ShouldBe(0);
        (await count.TextContentAsync()).ShouldBe(optedIn);
        var body = (await page.TextContentAsync(".mud-main-content"))!;
        body.ShouldNotContain("$.root");
        body.ShouldNotContain("OptedIn");
        body.ShouldContain("Opted in");
        await BrowserFixture.ScreenshotAsync(page, "22-segment-builder-unfinished-condition");

        // City offers the shop's own cities, most frequent first; picking one counts it.
        var second = page.Locator("[data-testid=rule-condition]").Nth(1);
        await second.Locator("[data-testid=condition-field]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Profile · City" }).ClickAsync();
        var city = second.Locator("input[data-testid=condition-value], [data-testid=condition-value] input").First;
        await city.ClickAsync();
        await city.PressSequentiallyAsync("ber");
        var suggestion = page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Berlin" });
        await suggestion.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "23-segment-builder-city-suggestions");
        await suggestion.ClickAsync();

        // Opted-in Berliners: some, and fewer than everyone opted in.
        await page.WaitForFunctionAsync(
            "n => { const e = document.querySelector('[data-testid=member-count]'); const c = e && parseInt(e.textContent.replace(/,/g, '')); return c > 0 && c < n; }",
            int.Parse(optedIn.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture));
        (await page.Locator("[data-testid=rule-unfinished]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(page, "24-segment-builder-berlin");
    }

    [Fact]
    public async Task AMarketerFindsMicroSegmentsRenamesOneAndSavesItAsASegment()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/segments/clusters");
        await page.Locator("input[data-testid=run-name], [data-testid=run-name] input").First.FillAsync("Spring clusters");
        await page.ClickAsync("[data-testid=suggest-k]");
        await page.Locator("[data-testid=suggested-k]").WaitForAsync(new() { Timeout = 60_000 });
        await page.Locator("[data-testid=elbow-chart] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "21-clustering-form");

        await page.Locator("input[data-testid=k], [data-testid=k] input").First.FillAsync("4");
        await page.ClickAsync("[data-testid=start-clustering]");
        await page.Locator("[data-testid=run-status]").Filter(new() { HasText = "Finished" }).WaitForAsync(new() { Timeout = 90_000 });
        (await page.Locator("[data-testid=cluster-card]").CountAsync()).ShouldBe(4);
        await page.Locator("[data-testid=cluster-scatter] .main-svg").First.WaitForAsync();

        var firstName = page.Locator("input[data-testid=cluster-name], [data-testid=cluster-name] input").First;
        await firstName.FillAsync("Our best friends");
        await firstName.PressAsync("Tab");
        await page.Locator("[data-testid=save-cluster]").First.ClickAsync();
        await page.Locator("text=Saved as segment").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "22-clustering-result");

        await BrowserFixture.OpenAsync(page, "/segments");
        var table = (await page.TextContentAsync("[data-testid=segments-table]"))!;
        table.ShouldContain("Our best friends");
        table.ShouldContain("Cluster");
    }
}
