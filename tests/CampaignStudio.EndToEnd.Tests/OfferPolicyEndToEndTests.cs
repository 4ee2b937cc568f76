using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// A marketer imports a four-offer test whose customer ids are partly studio customers, states what the offers cost, learns which
/// offer suits whom, reads the recommendation and launches it as a campaign with exploration and a holdout.
/// </summary>
public sealed class OfferPolicyEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerSetsTheOffersCostsTrainsReadsTheRecommendationAndLaunchesItAManagerOnlyReads()
    {
        // The file's first 1,000 ids are customers here who may be mailed; its other rows are not.
        const int StudioCustomers = 1_000;
        var build = new CampaignTestBuilder(browser.App.Services);
        var ids = await build.CustomersAsync("offer-e2e", StudioCustomers, optedIn: StudioCustomers);
        await using (var db = await browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            foreach (var customer in await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync())
            {
                customer.ExternalId = $"S-{ids.IndexOf(customer.Id) + 1:000000}";
            }

            await db.SaveChangesAsync();
        }

        var templates = new Dictionary<string, string> { ["Mail"] = "Offer round: news", ["10 % off"] = "Offer round: 10 % off", ["20 % off"] = "Offer round: 20 % off" };
        foreach (var name in templates.Values)
        {
            await build.TemplateAsync(name, subject: name);
        }

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
        var offersUrl = page.Url;
        var source = Regex.Match(offersUrl, @"/experiments/(\d+)/offers").Groups[1].Value;

        var manager = await browser.SignedInPageAsync("manager@demo.local");
        await BrowserFixture.OpenAsync(manager, offersUrl);
        await manager.Locator("[data-testid=policy-value-chart] .main-svg").First.WaitForAsync(new() { Timeout = 20_000 });
        (await manager.Locator("[data-testid=train-policy]").CountAsync()).ShouldBe(0);
        (await manager.TextContentAsync("[data-testid=offer-cost-table]"))!.ShouldContain("20 % off");
        (await manager.IsDisabledAsync("[data-testid=launch-policy]")).ShouldBeTrue();

        // Launch: an e-mail per offer that sends one, 20 % explored at random, 10 % held out; the preview counts the 1,000 customers.
        await page.ClickAsync("[data-testid=launch-policy]");
        await page.WaitForSelectorAsync("[data-testid=launch-preview]");
        (await page.TextContentAsync("[data-testid=launch-unreached]"))!.ShouldContain("7,000 rows of the experiment are not customers here.");
        (await page.TextContentAsync("[data-testid=launch-dialog]"))!.ShouldContain("1,000 customers");
        foreach (var (arm, template) in templates)
        {
            await page.ClickAsync($"[data-testid='launch-template-{arm}']");
            await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = template }).ClickAsync();
        }

        var exploration = page.Locator("input[data-testid=launch-exploration], [data-testid=launch-exploration] input").First;
        await exploration.FillAsync("20");
        await exploration.PressAsync("Tab");
        (await page.InputValueAsync("input[data-testid=launch-holdout], [data-testid=launch-holdout] input")).ShouldBe("10");
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('[data-testid=launch-preview] tbody tr td:nth-child(3)')].reduce((s, td) => s + Number(td.textContent.replace(/,/g, '')), 0) > 120");
        await BrowserFixture.ScreenshotAsync(page, "50-launch-this-policy");
        await page.SetViewportSizeAsync(375, 800);
        await BrowserFixture.ScreenshotAsync(page, "50-launch-this-policy-375");
        await page.SetViewportSizeAsync(1400, 900);

        await page.ClickAsync("[data-testid=confirm-launch]");
        await page.WaitForURLAsync(new Regex(@"/experiments/\d+$"));
        page.Url.ShouldNotEndWith($"/experiments/{source}");
        await page.WaitForSelectorAsync("[data-testid=learned-from-link]");
        (await page.GetAttributeAsync("[data-testid=learned-from-link]", "href")).ShouldBe($"/experiments/{source}/offers");
        (await page.TextContentAsync("h1"))!.ShouldContain("offers round 2");
        (await page.TextContentAsync("[data-testid=realised-gain]"))!.ShouldContain("realised value after");
        await BrowserFixture.ScreenshotAsync(page, "51-launched-policy");
        var roundUrl = page.Url;

        await page.ClickAsync("[data-testid=experiment-campaign-link]");
        await page.WaitForURLAsync(new Regex(@"/campaigns/\d+$"));
        await page.WaitForSelectorAsync("[data-testid=campaign-progress]");
        (await page.TextContentAsync("h1"))!.ShouldContain("offers round 2");
        await BrowserFixture.ScreenshotAsync(page, "52-launched-policy-campaign");

        // The round's customers act as the synthetic shop says; once the attribution window has closed the page reads the realised gain.
        var round = int.Parse(Regex.Match(roundUrl, @"/experiments/(\d+)$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await using (var db = await browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var random = new Random(3);
            var arms = await db.Variants.Where(v => v.ExperimentId == round).ToDictionaryAsync(v => v.Id, v => Array.IndexOf(OfferShopCsv.Arms, v.Name));
            foreach (var row in await db.Assignments.Where(a => a.ExperimentId == round).ToListAsync())
            {
                var bought = random.NextDouble() < OfferShopCsv.BuyRate(row.CovariatesJson!, arms[row.VariantId]);
                row.Converted = bought;
                row.Revenue = bought ? (decimal)OfferShopCsv.OrderValueOf(row.CovariatesJson!) : 0m;
            }

            await db.SaveChangesAsync();
        }

        browser.App.Clock.MoveBy(TimeSpan.FromDays(15));
        try
        {
            await BrowserFixture.OpenAsync(page, roundUrl);
            await page.WaitForSelectorAsync("[data-testid=realised-gain]");
            (await page.TextContentAsync("[data-testid=realised-gain]"))!.ShouldContain("per customer (95 % interval");
            await BrowserFixture.ScreenshotAsync(page, "53-launched-policy-realised");
        }
        finally
        {
            browser.App.Clock.Reset();
        }
    }
}
