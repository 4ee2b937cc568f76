using CampaignStudio.Data;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Flows in a real browser: the empty list offers the ready-made flows, a marketer starts the abandoned-cart flow from it and
/// publishes it after the confirmation; the diagram fits a phone (branches scroll inside their card), in dark mode too.
/// </summary>
public sealed class FlowsEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerStartsTheAbandonedCartFlowFromTheListAndPublishesIt()
    {
        // A trained offer policy's predictions exist, so the cart flow's second mail is the offer behind a split (decision 053).
        await new ExperimentTestBuilder(browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>()).CartOfferGainsAsync();
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/flows");
        await page.Locator("[data-testid=flows-empty]").WaitForAsync();
        (await page.Locator("[data-testid^=ready-made-]").CountAsync()).ShouldBe(4);
        await BrowserFixture.ScreenshotAsync(page, "80-flows-empty");

        await page.ClickAsync("[data-testid=start-abandoned_cart]");
        await page.WaitForURLAsync("**/flows/*");
        await page.Locator("[data-testid=flow-step]").Nth(6).WaitForAsync();
        (await page.Locator("[data-testid=flow-branches]").CountAsync()).ShouldBe(2);
        await BrowserFixture.ScreenshotAsync(page, "81-flow-editor-abandoned-cart");

        await page.ClickAsync("[data-testid=publish]");
        await page.ClickAsync("[data-testid=confirm-action]");
        await page.Locator("[data-testid=flow-notice]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=flow-status]"))!.Trim().ShouldBe("Live");

        await BrowserFixture.OpenAsync(page, "/flows");
        await page.Locator("[data-testid=flows-table]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "82-flows-list");

        var dark = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, "/flows");
        await dark.ClickAsync("[data-testid=flow-link]");
        await dark.Locator("[data-testid=flow-step]").Nth(6).WaitForAsync();
        (await dark.Locator("[data-testid=flow-read-only]").CountAsync()).ShouldBe(1);
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "the branches scroll inside the diagram on a phone");
        await BrowserFixture.ScreenshotAsync(dark, "83-flow-editor-dark-375");
    }
}
