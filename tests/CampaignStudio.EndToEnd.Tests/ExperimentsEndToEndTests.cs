using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A marketer imports Hillstrom's e-mail test through the UI, reads the lift, trains uplift models and sees the Qini chart.</summary>
public sealed class ExperimentsEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string HillstromPath = "/work/shared/data/hillstrom.csv";

    [Fact]
    public async Task AMarketerImportsHillstromSeesTheLiftAndTheQiniChart()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        page.SetDefaultTimeout(120_000);
        await BrowserFixture.OpenAsync(page, "/experiments");
        await page.WaitForSelectorAsync("[data-testid=experiments-empty]");
        await BrowserFixture.ScreenshotAsync(page, "40-experiments-empty");

        // Upload → mapping suggested → create.
        await page.ClickAsync("[data-testid=import-experiment]");
        await page.WaitForURLAsync("**/experiments/import");
        await page.WaitForSelectorAsync("body[data-interactive=true]");
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=results-file]", HillstromPath);
        await page.WaitForSelectorAsync("[data-testid=create-experiment]");
        (await page.TextContentAsync("body"))!.ShouldContain("64,000 rows");
        await BrowserFixture.ScreenshotAsync(page, "41-experiment-import-mapping");
        await page.ClickAsync("[data-testid=create-experiment]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/experiments/\d+$"));

        // The analysis: three arms, lifts with intervals and the chart.
        await page.WaitForSelectorAsync("[data-testid=arms-table]");
        var table = (await page.TextContentAsync("[data-testid=arms-table]"))!;
        table.ShouldContain("No E-Mail");
        table.ShouldContain("Mens E-Mail");
        table.ShouldContain("21,387");
        await page.Locator("[data-testid=lift-chart] .main-svg").First.WaitForAsync();
        (await page.Locator("[data-testid=srm-warning]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(page, "42-experiment-analysis");
        var experimentUrl = page.Url;

        // Uplift: a quick training runs in the background with a progress bar, then the Qini chart shows.
        await page.ClickAsync("[data-testid=uplift-link]");
        await page.WaitForSelectorAsync("[data-testid=uplift-empty]");
        await BrowserFixture.ScreenshotAsync(page, "43-uplift-empty");
        await page.ClickAsync("text=Quick look (30 trees)");
        await page.ClickAsync("[data-testid=uplift-train]");
        await page.WaitForSelectorAsync("[data-testid=uplift-progress]");
        await page.Locator("[data-testid=qini-chart] .main-svg").First.WaitForAsync(new() { Timeout = 240_000 });
        (await page.Locator("[data-testid=learner-card]").CountAsync()).ShouldBe(3);
        (await page.TextContentAsync("[data-testid=targeting-table]"))!.ShouldContain("Top by predicted uplift");
        (await page.TextContentAsync("[data-testid=fairness-panel]"))!.ShouldContain("Selection rate");
        (await page.Locator("[data-testid=qini-chart] .scatterlayer .trace").CountAsync()).ShouldBe(4);
        await BrowserFixture.ScreenshotAsync(page, "44-uplift-qini");

        // The stored result makes a reload instant, in dark mode too.
        var dark = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(dark, page.Url);
        await dark.Locator("[data-testid=qini-chart] .main-svg").First.WaitForAsync(new() { Timeout = 20_000 });
        (await dark.Locator("[data-testid=uplift-train]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(dark, "45-uplift-manager-dark");
        await BrowserFixture.OpenAsync(dark, experimentUrl);
        await dark.WaitForSelectorAsync("[data-testid=arms-table]");
        await BrowserFixture.ScreenshotAsync(dark, "46-experiment-analysis-dark");

        // The manager's dashboard: lift with CI and verdict, and no edit buttons.
        await BrowserFixture.OpenAsync(dark, "/experiments");
        await dark.WaitForSelectorAsync("[data-testid=experiments-table]");
        (await dark.TextContentAsync("[data-testid=experiments-table]"))!.ShouldContain("Winner");
        (await dark.Locator("[data-testid=import-experiment]").CountAsync()).ShouldBe(0);
        (await dark.Locator("[data-testid=new-experiment]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(dark, "47-experiments-dashboard-dark");

        // Design and sample size pages render for the marketer.
        await BrowserFixture.OpenAsync(page, "/experiments/new");
        await page.WaitForSelectorAsync("[data-testid=power-panel]");
        await BrowserFixture.ScreenshotAsync(page, "48-experiment-design");
    }
}
