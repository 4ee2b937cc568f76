using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>Every navigation page renders the demo shop's data, in light and dark mode, without an error.</summary>
public sealed class DemoShopPagesTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task TheDashboardShowsTheShopsNumbersAndRevenueChart(ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("manager@demo.local", scheme);

        (await page.TextContentAsync("[data-testid=kpi-customers]"))!.Trim().ShouldBe("2,000");
        int.Parse((await page.TextContentAsync("[data-testid=kpi-can-be-mailed]"))!.Trim().Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(900, 1_500);
        await page.Locator("[data-testid=monthly-revenue] .main-svg").First.WaitForAsync();
        (await page.Locator("[data-testid=monthly-revenue] .bars .point").CountAsync()).ShouldBe(12);
        await BrowserFixture.ScreenshotAsync(page, $"10-dashboard-demo-{name}");
    }

    [Theory]
    [InlineData("/customers", "customer-total", "11-customers")]
    [InlineData("/segments", null, "12-segments")]
    [InlineData("/experiments", null, "13-experiments")]
    [InlineData("/campaigns", null, "14-campaigns")]
    [InlineData("/consent", "consent-mix", "15-consent")]
    [InlineData("/settings", null, "16-settings")]
    [InlineData("/sender-health", "health-campaigns", "17-sender-health")]
    public async Task EveryPageRendersTheDemoData(string path, string? testId, string screenshot)
    {
        var page = await browser.SignedInPageAsync("admin@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(page, path);
        if (testId is not null)
        {
            await page.Locator($"[data-testid={testId}]").First.WaitForAsync();
        }

        if (path == "/customers")
        {
            await page.Locator("[data-testid=customer-total]").Filter(new() { HasText = "2,000 customers" }).WaitForAsync();
        }

        (await page.Locator("[data-testid=page-error]").CountAsync()).ShouldBe(0);
        var text = (await page.TextContentAsync(".mud-main-content"))!;
        text.ShouldNotContain("No customers yet");
        if (path == "/experiments")
        {
            text.ShouldContain("Spring discount e-mail (10% off)");
        }

        await BrowserFixture.ScreenshotAsync(page, screenshot);
    }

    [Fact]
    public async Task DarkModeChosenOnceIsServedDarkFromTheFirstPaint()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Light);
        (await BackgroundAsync(page)).ShouldBe("rgb(246, 247, 251)");

        await page.ClickAsync("[data-testid=theme-toggle]");
        await page.WaitForFunctionAsync("() => document.cookie.includes('cs-theme=dark')");

        // The prerendered HTML already carries the dark palette: checked before the circuit starts.
        await page.GotoAsync("/customers", new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        (await BackgroundAsync(page)).ShouldBe("rgb(16, 20, 31)");
        await page.WaitForSelectorAsync("body[data-interactive=true]");
        (await BackgroundAsync(page)).ShouldBe("rgb(16, 20, 31)");
        await page.Locator("[data-testid=customer-total]").Filter(new() { HasText = "2,000 customers" }).WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "17-customers-dark");
    }

    [Theory]
    [InlineData(1000, ColorScheme.Light, "light")]
    [InlineData(1000, ColorScheme.Dark, "dark")]
    [InlineData(375, ColorScheme.Light, "light")]
    [InlineData(375, ColorScheme.Dark, "dark")]
    public async Task NarrowScreensFoldTheNavigationKeepTheKeyColumnsAndNeverScrollSideways(int width, ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("manager@demo.local", scheme);
        await page.SetViewportSizeAsync(width, 900);

        // The navigation folds away below 1,280 px; the menu button brings it back.
        await BrowserFixture.OpenAsync(page, "/customers");
        await page.Locator("[data-testid=customer-total]").Filter(new() { HasText = "2,000 customers" }).WaitForAsync();
        (await page.Locator(".mud-drawer .mud-nav-link").First.IsVisibleAsync()).ShouldBeFalse();
        (await page.Locator("[data-testid=read-only-mark]").IsVisibleAsync()).ShouldBeTrue();

        // Name and e-mail stay; columns that matter less give way.
        var grid = page.Locator("[data-testid=customer-grid]");
        (await grid.Locator("td:visible", new() { HasText = "@" }).CountAsync()).ShouldBeGreaterThan(0);
        if (width >= 600)
        {
            (await grid.Locator("th:visible", new() { HasText = "E-mail" }).CountAsync()).ShouldBeGreaterThan(0);
            (await grid.Locator("th:visible", new() { HasText = "Name" }).CountAsync()).ShouldBeGreaterThan(0);
        }

        (await grid.Locator("th:visible", new() { HasText = "Customer since" }).CountAsync()).ShouldBe(0);
        (await grid.Locator("th:visible", new() { HasText = "Churn risk" }).CountAsync()).ShouldBe(0);
        await NoSidewaysScrollAsync(page);
        await BrowserFixture.ScreenshotAsync(page, $"30-customers-{width}-{name}");

        foreach (var (path, ready, shot) in new[] { ("/", "[data-testid=monthly-revenue] .main-svg", "dashboard"), ("/consent", "[data-testid=consent-mix] .main-svg", "consent"),
            ("/segments", "[data-testid=segments-table]", "segments"), ("/campaigns", ".mud-main-content h1", "campaigns"), ("/experiments", "[data-testid=experiments-table]", "experiments") })
        {
            await BrowserFixture.OpenAsync(page, path);
            await page.Locator(ready).First.WaitForAsync();

            // Skeletons stand in while data and plotly.js load, and every one of them gives way to its chart.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-loading]').length === 0");
            await NoSidewaysScrollAsync(page);
            await BrowserFixture.ScreenshotAsync(page, $"31-{shot}-{width}-{name}");
        }

        // A Manager reads a segment's rule without a single button to change it.
        await BrowserFixture.OpenAsync(page, "/segments");
        await page.Locator("[data-testid=segments-table] tbody tr").First.ClickAsync();
        await page.Locator("[data-testid=member-count]").WaitForAsync();
        (await page.Locator("[data-testid=add-condition], [data-testid=save-segment], [aria-label='Remove condition']").CountAsync()).ShouldBe(0);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-loading]').length === 0");
        await NoSidewaysScrollAsync(page);
        await BrowserFixture.ScreenshotAsync(page, $"31-segment-read-only-{width}-{name}");

        // The first paint (server-rendered, before plotly.js) shows skeletons where charts will be, not blank cards.
        // Read from the server's HTML itself: on a fast (cached) load the live page may have drawn its charts already.
        var firstPaint = await page.GotoAsync("/consent", new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        (await firstPaint!.TextAsync()).ShouldContain("data-testid=\"chart-loading\"");
        await BrowserFixture.ScreenshotAsync(page, $"32-consent-first-paint-{width}-{name}");
        await page.WaitForSelectorAsync("body[data-interactive=true]");

        // The drawer learns the screen's width a moment after the page turns interactive (MudBlazor asks the browser);
        // a toggle before that is undone by its own folding, so wait until it has folded. The server paints it open, and
        // a folded drawer is off screen: wait for the class in the page, not for something visible.
        await page.Locator(".mud-drawer.mud-drawer--closed").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.ClickAsync("[aria-label='Toggle navigation']");
        await page.Locator(".mud-drawer .mud-nav-link", new() { HasText = "Segments" }).ClickAsync();
        await page.WaitForURLAsync("**/segments");
    }

    /// <summary>The page fits the screen: nothing runs off to the right (wide tables scroll inside their own box).</summary>
    private static async Task NoSidewaysScrollAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        overflow.ShouldBeLessThanOrEqualTo(1, $"{page.Url} is {overflow}px wider than the screen");
    }

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
