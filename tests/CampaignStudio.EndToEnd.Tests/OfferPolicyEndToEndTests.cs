using System.Text;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A marketer imports a four-offer test with its customer ids, states what the offers cost, learns which offer suits whom and reads the recommendation.</summary>
public sealed class OfferPolicyEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerSetsTheOffersCostsTrainsAndReadsTheRecommendationAManagerOnlyReads()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        page.SetDefaultTimeout(120_000);
        await BrowserFixture.OpenAsync(page, "/experiments/import");
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=results-file]",
            new FilePayload { Name = "four-offers.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(OfferShopCsv.Create(8_000, seed: 21)) });
        await page.WaitForSelectorAsync("[data-testid=create-experiment]");
        (await page.TextContentAsync("[data-testid=id-column]"))!.ShouldContain("customer_id");
        await page.ClickAsync("[data-testid=create-experiment]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/experiments/\d+$"));

        await page.ClickAsync("[data-testid=offers-link]");
        await page.WaitForSelectorAsync("[data-testid=policy-empty]");
        foreach (var (arm, discount) in new[] { ("10 % off", "10"), ("20 % off", "20") })
        {
            await page.FillAsync($"[data-testid='offer-cost-{arm}'] td:nth-child(3) input", discount);
        }

        foreach (var arm in new[] { "Mail", "10 % off", "20 % off" })
        {
            await page.FillAsync($"[data-testid='offer-cost-{arm}'] td:nth-child(4) input", "0.01");
        }

        await page.ClickAsync("[data-testid=train-policy]");
        await page.Locator("[data-testid=policy-value-chart] .main-svg").First.WaitForAsync(new() { Timeout = 240_000 });
        (await page.TextContentAsync("[data-testid=policy-recommendation]"))!.ShouldContain("per customer");
        (await page.Locator("[data-testid=policy-value-chart] .bars .point").CountAsync()).ShouldBe(5);
        await BrowserFixture.ScreenshotAsync(page, "49-which-offer-for-whom");

        var manager = await browser.SignedInPageAsync("manager@demo.local");
        await BrowserFixture.OpenAsync(manager, page.Url);
        await manager.Locator("[data-testid=policy-value-chart] .main-svg").First.WaitForAsync(new() { Timeout = 20_000 });
        (await manager.Locator("[data-testid=train-policy]").CountAsync()).ShouldBe(0);
        (await manager.TextContentAsync("[data-testid=offer-cost-table]"))!.ShouldContain("20 % off");
    }
}
