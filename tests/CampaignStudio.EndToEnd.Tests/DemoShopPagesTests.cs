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

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
