using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A manager opens a running experiment: always-valid intervals first, labelled, the fixed ones beside; the switch and the list's choice work.</summary>
public sealed class AlwaysValidReadingEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AManagerReadsARunningExperimentWithAlwaysValidIntervalsAndCanSwitchToFixed()
    {
        var builder = new ExperimentTestBuilder(browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var start = browser.App.Clock.GetUtcNow().UtcDateTime.AddDays(-10);

        // z ≈ 2.5: a winner for one planned look, not yet for a reading that may be repeated daily.
        var running = await builder.RatesAsync("Spring offer, read daily", ExperimentStatus.Running, start,
            new ArmRows("Control", 2_000, 200, Days: 10), new ArmRows("Mail", 2_000, 250, Days: 10));
        var page = await browser.SignedInPageAsync("manager@demo.local");

        await BrowserFixture.OpenAsync(page, $"/experiments/{running}");
        await page.WaitForSelectorAsync("[data-testid=sequential-panel]");
        (await page.TextContentAsync("[data-testid=reading-note]"))!.ShouldStartWith("Always valid: you may look every day");
        (await page.TextContentAsync("[data-testid=sequential-verdict]"))!.ShouldBe("Keep running");
        (await page.TextContentAsync("[data-testid=sequential-table]"))!.ShouldContain("Fixed-horizon interval");
        (await page.TextContentAsync("[data-testid=arms-table]"))!.ShouldContain("Winner");
        await page.Locator("[data-testid=lift-chart] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "90-experiment-always-valid-reading");

        await page.ClickAsync("[data-testid=reading-toggle]");
        await page.WaitForSelectorAsync("[data-testid=sequential-panel]", new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        (await page.TextContentAsync("[data-testid=reading-note]"))!.ShouldStartWith("Fixed horizon");
        await BrowserFixture.ScreenshotAsync(page, "91-experiment-fixed-reading");

        await BrowserFixture.OpenAsync(page, "/experiments");
        var row = page.Locator("[data-testid=experiments-table] tr", new() { HasText = "Spring offer, read daily" });
        await row.WaitForAsync();
        (await row.TextContentAsync())!.ShouldContain("Keep running");
        (await row.Locator("[data-testid=lift-cell]").TextContentAsync())!.ShouldContain("always valid");
        await BrowserFixture.ScreenshotAsync(page, "92-experiments-list-always-valid");

        await BrowserFixture.OpenAsync(page, "/experiments?reading=fixed");
        row = page.Locator("[data-testid=experiments-table] tr", new() { HasText = "Spring offer, read daily" });
        await row.Locator("[data-testid=lift-cell]:has-text('fixed horizon')").WaitForAsync();
        (await row.TextContentAsync())!.ShouldContain("Winner");
    }
}
