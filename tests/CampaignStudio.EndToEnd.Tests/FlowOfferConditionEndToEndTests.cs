using CampaignStudio.Data;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The condition step's "offer pays" part in a real browser (decision 053, "Offer only where it pays"): with a trained policy's
/// predictions stored, the ready-made cart flow's split names the offer, and its step panel picks experiment and offer from
/// lists and says where customers without a prediction go; light, and dark on a phone. Its own studio, so the flow it
/// starts does not fill the empty list another test expects.
/// </summary>
public sealed class FlowOfferConditionEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
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
