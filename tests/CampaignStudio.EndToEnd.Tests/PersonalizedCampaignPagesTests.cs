using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// On the demo shop: a campaign delivered at each recipient's best hour (the review's hour chart, the preview with
/// recommendations, the campaign page waiting per recipient) and an experiment whose small arm is shown as "&lt; 10".
/// </summary>
public sealed class PersonalizedCampaignPagesTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    private const string RecommendationsHtml = """
        <html><body><h1>Hello {{ customer.first_name | default: "there" }}!</h1>
        <p>Picked for you:</p><ul>{% for p in recommendations limit: 3 %}<li>{{ p.name }}</li>{% endfor %}</ul>
        </body></html>
        """;

    [Fact]
    public async Task AMarketerChoosesBestHourDeliveryAndSeesTheHoursAndTheRecommendations()
    {
        var services = browser.App.Services;
        var dbFactory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>(), browser.BaseUrl);
        var build = new CampaignTestBuilder(services);
        List<long> readers;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            readers = await db.Customers.Where(c => db.CustomerEvents.Any(e => e.CustomerId == c.Id)).OrderBy(c => c.Id).Select(c => c.Id).Take(400).ToListAsync();
        }

        await build.SegmentAsync("Newsletter readers", readers);
        await build.TemplateAsync("Picked for you", html: RecommendationsHtml);

        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/new");
        await page.Locator("input[data-testid=campaign-name], [data-testid=campaign-name] input").First.FillAsync("Picked for you, at your hour");
        await page.ClickAsync("[data-testid=campaign-segment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Newsletter readers" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=campaign-template]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Picked for you" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.GetByText("Deliver at each recipient's best hour within the next 24 h").ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "90-wizard-best-hour");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.Locator("[data-testid=delivery-hours] .main-svg").First.WaitForAsync();
        await page.WaitForSelectorAsync("[data-testid=launch-campaign]:not([disabled])");
        (await page.GetAttributeAsync("iframe.mail-preview", "srcdoc"))!.ShouldContain("<li>");
        await page.FrameLocator("iframe.mail-preview").Locator("li").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "91-wizard-review-delivery-hours");

        // A full-page screenshot leaves sandboxed frames blank: the preview on its own shows the recommended products.
        await page.Locator("iframe.mail-preview").First.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "91-wizard-review-preview.png") });
        await page.ClickAsync("[data-testid=launch-campaign]");

        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=best-hour-note]')?.textContent.includes('waiting')", null, new() { Timeout = 60_000 });
        await BrowserFixture.ScreenshotAsync(page, "92-campaign-waiting-for-their-hour");
        var dark = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(dark, page.Url);
        await dark.WaitForSelectorAsync("[data-testid=best-hour-note]");
        await BrowserFixture.ScreenshotAsync(dark, "93-campaign-waiting-for-their-hour-dark");
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task AManagerSeesASmallArmAsLessThanK(ColorScheme scheme, string name)
    {
        var id = await ImportSmallArmExperimentAsync($"Small arm ({name})");
        var page = await browser.SignedInPageAsync("manager@demo.local", scheme);
        await BrowserFixture.OpenAsync(page, $"/experiments/{id}");
        await page.WaitForSelectorAsync("[data-testid=small-groups-note]");
        (await page.TextContentAsync("[data-testid=arms-table]"))!.ShouldContain("< 10");
        await page.Locator("[data-testid=lift-chart] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"94-experiment-small-arm-{name}");

        await BrowserFixture.OpenAsync(page, "/");
        await page.Locator("[data-testid=monthly-revenue] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"95-dashboard-{name}");
    }

    private async Task<int> ImportSmallArmExperimentAsync(string name)
    {
        using var client = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) };
        client.DefaultRequestHeaders.Add("X-Api-Key", await browser.App.ApiKeyForAsync("marketer@demo.local"));
        return await SmallArmExperiment.ImportAsync(client, name, bigArms: 200, convertEvery: 3);
    }
}
