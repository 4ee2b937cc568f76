using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>The predictions pages on the demo shop (light and dark) once the background worker has fitted and trained.</summary>
public sealed class PredictivePagesTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task CustomerValueShowsTheHoldoutCheckDistributionsAndCustomersAtRisk(ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("admin@demo.local", scheme);
        await OpenWhenReadyAsync(page, "/predictive", "holdout-check");

        await page.Locator("[data-testid=value-distribution] .main-svg").First.WaitForAsync();
        await page.Locator("[data-testid=holdout-check] .main-svg").First.WaitForAsync();
        (await page.Locator("[data-testid=at-risk] tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("[data-testid=value-bands] tbody tr").CountAsync()).ShouldBe(4);
        await BrowserFixture.ScreenshotAsync(page, $"40-predictive-value-{name}");
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task RecommendationsShowHitRatesAgainstMostPopular(ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local", scheme);
        await OpenWhenReadyAsync(page, "/predictive/recommendations", "hit-rates-products");

        await page.Locator("[data-testid=hit-rates-products] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"41-predictive-recommendations-{name}");
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task SendTimeShowsWhenCustomersRead(ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("manager@demo.local", scheme);
        await BrowserFixture.OpenAsync(page, "/predictive/send-time");

        await page.Locator("[data-testid=population-hours] .main-svg").First.WaitForAsync();
        await page.Locator("[data-testid=best-hours] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"42-predictive-send-time-{name}");
    }

    [Fact]
    public async Task SaveThemCreatesASegmentOfValuableCustomersAtRisk()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await OpenWhenReadyAsync(page, "/predictive", "save-them");

        await page.ClickAsync("[data-testid=save-them]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/segments/\\d+$"));
        // The URL changes before the segment page has rendered (the old page still shows "Churn risk" in its table), and a
        // condition's field is the value of a select's input, not text: wait for the rule builder's inputs themselves.
        const string conditionFields = "() => [...document.querySelectorAll('[data-testid=rule-condition] input')].map(i => i.value).join('|')";
        await page.WaitForFunctionAsync($"() => ({conditionFields})().includes('Churn risk')", null, new() { Timeout = 20_000 });
        (await page.EvaluateAsync<string>($"({conditionFields})()")).ShouldContain("Churn risk");
        (await page.Locator("input[data-testid=segment-name], [data-testid=segment-name] input").First.InputValueAsync()).ShouldStartWith("Valuable customers at risk");
        await BrowserFixture.ScreenshotAsync(page, "43-predictive-saved-segment");
    }

    /// <summary>Reloads until the worker's first results are on the page (it fits on start), then waits for the element.</summary>
    private static async Task OpenWhenReadyAsync(IPage page, string path, string testId)
    {
        // A wait on real work (the worker's first fit) in a real browser: real time, not the studio's clock.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        await BrowserFixture.OpenAsync(page, path);
        while (await page.Locator($"[data-testid={testId}]").CountAsync() == 0)
        {
            waited.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(1), $"{path} never showed {testId}");
            await page.WaitForTimeoutAsync(250);
            await BrowserFixture.OpenAsync(page, path);
        }
    }
}

/// <summary>The predictions pages before any purchase: each explains what it needs.</summary>
public sealed class PredictiveEmptyPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData("/predictive", "lifetime-empty", "44-predictive-value-empty")]
    [InlineData("/predictive/recommendations", "recommendations-empty", "45-predictive-recommendations-empty")]
    [InlineData("/predictive/send-time", "send-time-empty", "46-predictive-send-time-empty")]
    public async Task EmptyStudioExplainsWhatEachPageNeeds(string path, string testId, string screenshot)
    {
        var page = await browser.SignedInPageAsync("admin@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(page, path);

        await page.Locator($"[data-testid={testId}]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, screenshot);
    }
}
