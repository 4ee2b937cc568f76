using CampaignStudio.Data.Settings;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Settings → Signing and DNS in a real browser, with the studio asking a real DNS server (dnsmasq) that holds the shop's
/// records for a key made beforehand: a key generated on the page is reported as not the published one; importing the
/// published key makes every check pass.
/// </summary>
public sealed class SigningAndDnsEndToEndTests : IAsyncLifetime
{
    private static readonly string PublishedKey = DkimKeys.GeneratePrivateKeyPem();

    private readonly BrowserFixture _browser = new();
    private DnsServer? _dns;

    public async Task InitializeAsync()
    {
        var domains = new SendingDomains("shop.example.com", "shop.example.com", DkimSettings.DefaultSelector, DkimKeys.PublicKeyOf(PublishedKey), "shop.example.com", null);
        _dns = await DnsServer.StartAsync(["example.com"], DnsRecordsToPublish.For(domains).Select(r => (r.Name, r.Strings)));
        _browser.App.Settings["Mail:NameServer"] = _dns.Address;
        await _browser.InitializeAsync();
        await CampaignTestBuilder.SenderAsync(_browser.App.Services.GetRequiredService<SenderIdentityStore>());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnAdminMakesAKeySeesTheRecordsAndTheCheckSaysWhatIsWrongUntilThePublishedKeyIsUsed()
    {
        var page = await _browser.SignedInPageAsync("admin@demo.local");
        await OpenTabAsync(page);
        await page.Locator("[data-testid=dkim-off]").WaitForAsync();

        await page.ClickAsync("[data-testid=generate-key]");
        await page.Locator("[data-testid=dkim-on]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=record-dkim]"))!.ShouldContain("studio._domainkey.shop.example.com");
        await page.ClickAsync("[data-testid=check-dns]");
        await page.Locator("[data-testid=finding-DkimKeyDiffers]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=dns-findings]"))!.ShouldContain("holds a different key than the studio signs with");
        await page.Locator("[data-testid=finding-SpfPublished]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "50-settings-signing-check-light");

        await page.GetByRole(AriaRole.Button, new() { Name = "Import a key instead" }).ClickAsync();
        await page.Locator("textarea[data-testid=import-pem], [data-testid=import-pem] textarea").First.FillAsync(PublishedKey);
        await page.ClickAsync("[data-testid=import-key]");
        await page.Locator("[data-testid=check-dns]").WaitForAsync();
        await page.WaitForFunctionAsync("() => !document.querySelector('[data-testid=dns-findings]')");
        await page.ClickAsync("[data-testid=check-dns]");
        await page.Locator("[data-testid=finding-DkimPublished]").WaitForAsync();
        await page.Locator("[data-testid=finding-Aligned]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=sending-domain]"))!.ShouldNotContain("BEGIN PRIVATE KEY");

        var dark = await _browser.SignedInPageAsync("admin@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await OpenTabAsync(dark);
        await dark.ClickAsync("[data-testid=check-dns]");
        await dark.Locator("[data-testid=finding-Aligned]").WaitForAsync();
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "nothing widens the page on a phone");
        await BrowserFixture.ScreenshotAsync(dark, "51-settings-signing-all-good-dark-375");
    }

    [Fact]
    public async Task AMarketerDoesNotSeeTheSigningTab()
    {
        var page = await _browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.GetByRole(AriaRole.Tab, new() { Name = "My API keys" }).WaitForAsync();

        (await page.GetByRole(AriaRole.Tab, new() { Name = "Signing and DNS" }).CountAsync()).ShouldBe(0);
    }

    private static async Task OpenTabAsync(IPage page)
    {
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Signing and DNS" }).ClickAsync();
        await page.Locator("[data-testid=sending-domain]").WaitForAsync();
    }
}
