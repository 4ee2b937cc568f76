using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Consent;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.Messaging.Links;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A customer unsubscribes from a link in Chromium and the studio shows it; the consent pages in light and dark.</summary>
public sealed class ConsentEndToEndTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    [Fact]
    public async Task ACustomerUnsubscribesFromTheLinkAndTheCustomerPageShowsTheOptOut()
    {
        var (id, email) = await OptedInCustomerAsync();
        var link = UnsubscribeLinks.For(browser.BaseUrl, Service<SignedTokenService>().CreateUnsubscribeToken(id, 1));

        var dark = await AnonymousPageAsync(ColorScheme.Dark);
        await dark.GotoAsync(link);
        await dark.Locator("[data-testid=unsubscribe-confirm]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(dark, "40-unsubscribe-dark");

        var page = await AnonymousPageAsync(ColorScheme.Light);
        await page.GotoAsync(link);
        (await page.TextContentAsync("[data-testid=unsubscribe-page]"))!.ShouldNotContain(email);
        await BrowserFixture.ScreenshotAsync(page, "40-unsubscribe-light");
        await page.ClickAsync("[data-testid=unsubscribe-confirm]");
        await page.Locator("[data-testid=preferences-saved]").WaitForAsync();
        (await page.TextContentAsync("h1"))!.ShouldBe("You are unsubscribed");
        await BrowserFixture.ScreenshotAsync(page, "41-unsubscribed-light");

        var admin = await browser.SignedInPageAsync("admin@demo.local");
        await BrowserFixture.OpenAsync(admin, $"/customers/{id}");
        await admin.Locator("[data-testid=consent-chip]").First.Filter(new() { HasText = "Opted out" }).WaitForAsync();
        await admin.GetByRole(AriaRole.Tab, new() { Name = "Consent history" }).ClickAsync();
        var history = admin.Locator("tr", new() { HasText = "Unsubscribe link" });
        await history.First.WaitForAsync();
        (await history.First.TextContentAsync())!.ShouldContain("127.0.0.1");
        await admin.Locator("[data-testid=erase-customer]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(admin, "42-customer-opted-out");
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task TheDoubleOptInPageConfirmsOnlyOnTheButton(ColorScheme scheme, string name)
    {
        var id = await PendingCustomerAsync();
        var link = $"{browser.BaseUrl}/confirm/{Service<SignedTokenService>().CreateDoubleOptInToken(id)}";
        var page = await AnonymousPageAsync(scheme);

        await page.GotoAsync(link);
        await page.Locator("[data-testid=confirm-subscription]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"43-confirm-{name}");
        (await StatusAsync(id)).ShouldBe(ConsentStatus.Pending);

        await page.ClickAsync("[data-testid=confirm-subscription]");
        await page.Locator("[data-testid=confirm-done]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"44-confirmed-{name}");
        (await StatusAsync(id)).ShouldBe(ConsentStatus.OptedIn);
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task ManagersReadTheConsentDashboard(ColorScheme scheme, string name)
    {
        var page = await browser.SignedInPageAsync("manager@demo.local", scheme);
        await BrowserFixture.OpenAsync(page, "/consent");
        await page.Locator("[data-testid=consent-mix-over-time] .main-svg").First.WaitForAsync();
        await page.Locator("[data-testid=consent-by-source] .main-svg").First.WaitForAsync();
        await page.Locator("[data-testid=consent-by-campaign] .main-svg").First.WaitForAsync();
        (await page.Locator("[data-testid=download-consent-proof]").CountAsync()).ShouldBe(0);
        (await page.TextContentAsync("[data-testid=pending-confirmations]"))!.ShouldContain("Nobody pending is mailed");
        await BrowserFixture.ScreenshotAsync(page, $"45-consent-dashboard-{name}");
    }

    [Fact]
    public async Task TheSettingsShowTheSenderAndThatSendingIsPossible()
    {
        var page = await browser.SignedInPageAsync("admin@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.Locator("[data-testid=sender-ready]").WaitForAsync();
        (await page.InputValueAsync("textarea[data-testid=postal-address], [data-testid=postal-address] textarea")).ShouldContain("10115 Berlin");
        await BrowserFixture.ScreenshotAsync(page, "46-settings-sender-dark");
    }

    [Fact]
    public async Task WithoutASenderTheSettingsSayThatSendingIsBlocked()
    {
        var store = Service<CampaignStudio.Data.Settings.SenderIdentityStore>();
        var saved = await store.GetAsync();
        await store.SaveAsync(CampaignStudio.Data.Settings.SenderIdentity.Empty);
        try
        {
            var page = await browser.SignedInPageAsync("admin@demo.local", ColorScheme.Light);
            await BrowserFixture.OpenAsync(page, "/settings");
            (await page.TextContentAsync("[data-testid=sender-blocked]"))!.ShouldContain("Sending is blocked");
            await BrowserFixture.ScreenshotAsync(page, "47-settings-sender-blocked-light");
        }
        finally
        {
            await store.SaveAsync(saved);
        }
    }

    private T Service<T>() where T : notnull => browser.App.Services.GetRequiredService<T>();

    private async Task<IPage> AnonymousPageAsync(ColorScheme scheme)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 800 }, ColorScheme = scheme });
        return await context.NewPageAsync();
    }

    private async Task<(long Id, string Email)> OptedInCustomerAsync()
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var customer = await db.Customers.AsNoTracking().Where(c => c.EmailConsent == ConsentStatus.OptedIn && c.Email != null).OrderByDescending(c => c.Id)
            .Select(c => new { c.Id, c.Email }).FirstAsync();
        return (customer.Id, customer.Email!);
    }

    private async Task<long> PendingCustomerAsync()
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var id = await db.Customers.AsNoTracking().Where(c => c.EmailConsent == ConsentStatus.Unknown && c.Email != null).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        (await Service<ConsentLedger>().RecordAsync(new ConsentChange(id, ConsentStatus.Pending, ConsentSource.Form, "customer", "signup-form-v3"))).Recorded.ShouldBeTrue();
        return id;
    }

    private async Task<ConsentStatus> StatusAsync(long id)
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Customers.Where(c => c.Id == id).Select(c => c.EmailConsent).SingleAsync();
    }
}
