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

    [Fact]
    public async Task TheConditionStepLetsAMarketerPickTheOfferWhosePredictedGainDecides()
    {
        const string LongName = "Spring 2026 cart-abandonment offers — four discount levels, EU shops only, second round after the launch";
        await new ExperimentTestBuilder(browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>()).CartOfferGainsAsync(LongName);
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/flows");
        await page.ClickAsync("[data-testid=start-abandoned_cart]");
        await page.WaitForURLAsync("**/flows/*");
        var flowUrl = new Uri(page.Url).AbsolutePath;
        await page.Locator("[data-testid=flow-description]", new() { HasText = "only for customers whose predicted gain from it is positive" }).WaitForAsync();
        await page.Locator("[data-step-id=offer-pays] [data-testid=step-words]", new() { HasText = "pay for the customer (predicted gain above 0)" }).WaitForAsync();

        await page.ClickAsync("[data-testid=flow-step][data-step-id=offer-pays] [data-testid=edit-step]");
        await page.Locator("[data-testid=offer-explained]", new() { HasText = "Customers the policy did not score have no prediction and go down “No”." }).WaitForAsync();
        (await page.Locator("[data-testid=offer-experiment]").TextContentAsync())!.ShouldContain(LongName);
        (await page.Locator("[data-testid=offer-variant]").TextContentAsync())!.ShouldContain("10 % off — pays for 1 of 1 scored customers");
        await BrowserFixture.ScreenshotAsync(page, "84-flow-condition-offer-gain");

        var dark = await browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, flowUrl);
        await dark.ClickAsync("[data-testid=flow-step][data-step-id=offer-pays] [data-testid=edit-step]");
        await dark.Locator("[data-testid=offer-explained]").WaitForAsync();
        await dark.Locator("[data-testid=step-panel]").ScrollIntoViewIfNeededAsync();
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "the step panel fits a phone");
        await BrowserFixture.ScreenshotAsync(dark, "85-flow-condition-offer-gain-dark-375");
    }
}
