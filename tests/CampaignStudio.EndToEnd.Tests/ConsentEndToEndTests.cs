using System.Net;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Consent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A customer unsubscribes from a link in Chromium and the studio shows it; the consent pages in light and dark.</summary>
public sealed class ConsentEndToEndTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    [Fact]
    public async Task ACustomerUnsubscribesFromTheLinkInASentMailAndComesBackOnlyThroughAConfirmationEmail()
    {
        await using var sender = await SenderAtThisStudioAsync();
        var (id, email) = await OptedInCustomerAsync();
        var mail = await SendCampaignAsync(id, email);
        var link = UnsubscribeLinkOf(mail);
        link.ShouldStartWith(browser.BaseUrl + "/u/");

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

        // Changing their mind: they agreed before, so the preference centre mails a confirmation; only that click opts them in.
        var outbox = Outbox();
        await page.CheckAsync("[data-testid=preference-centre] input[name=purpose]");
        await page.ClickAsync("[data-testid=save-preferences]");
        await page.Locator("[data-testid=confirmation-sent]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "48-preferences-confirmation-sent-light");
        (await StatusAsync(id)).ShouldBe(ConsentStatus.Pending);
        await dark.SetViewportSizeAsync(375, 740);
        await dark.GotoAsync(page.Url);
        await dark.Locator("[data-testid=confirmation-sent]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(dark, "48-preferences-confirmation-sent-dark-phone");

        var confirmation = (await NewMailsAsync(outbox, email)).ShouldHaveSingleItem();
        var confirm = Regex.Match(confirmation.TextBody!, Regex.Escape(browser.BaseUrl) + "/confirm/[A-Za-z0-9_%-]+").Value;
        await page.GotoAsync(confirm);
        await page.ClickAsync("[data-testid=confirm-subscription]");
        await page.Locator("[data-testid=confirm-done]").WaitForAsync();
        (await StatusAsync(id)).ShouldBe(ConsentStatus.OptedIn);
    }

    [Fact]
    public async Task TheLinksInAManagersPreviewAreRefusedByEveryPublicEndpoint()
    {
        await using var sender = await SenderAtThisStudioAsync();
        var (target, email) = await NeverAskedCustomerAsync();
        var template = await new CampaignTestBuilder(browser.App.Services).TemplateAsync("Preview links", subject: "For {{ customer.email }}");
        var logBefore = await LogCountAsync(target);

        var manager = await browser.SignedInPageAsync("manager@demo.local");
        await BrowserFixture.OpenAsync(manager, $"/campaigns/templates/{template}");
        await manager.Locator("input[data-testid=preview-customer-search], [data-testid=preview-customer-search] input").First.FillAsync(email);
        await manager.Locator("[data-testid=preview-subject]", new() { HasText = $"For {email}" }).WaitForAsync();
        await BrowserFixture.ScreenshotAsync(manager, "49-manager-preview");
        var html = WebUtility.HtmlDecode((await manager.GetAttributeAsync("[data-testid=preview-frame]", "srcdoc"))!);

        var links = Regex.Matches(html, Regex.Escape(browser.BaseUrl) + @"/[^\s""'<>]+").Select(m => m.Value).Distinct().ToList();
        links.ShouldNotBeEmpty("the preview's footer links to the studio");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(browser.BaseUrl) };
        foreach (var link in links)
        {
            var token = Uri.EscapeDataString(Uri.UnescapeDataString(link.TrimEnd('/').Split('/')[^1]));
            var attempts = new (string What, Func<Task<HttpResponseMessage>> Send)[]
            {
                ("open the link", () => client.GetAsync(link)),
                ("the preference centre", () => client.GetAsync($"/u/{token}")),
                ("one-click unsubscribe", () => client.PostAsync($"/u/{token}", Form(("List-Unsubscribe", "One-Click")))),
                ("opt in at the preference centre", () => client.PostAsync($"/u/{token}/preferences", Form(("purpose", ConsentPurposes.Marketing)))),
                ("opt out at the preference centre", () => client.PostAsync($"/u/{token}/preferences", Form(("action", "unsubscribe-all")))),
                ("the double opt-in page", () => client.GetAsync($"/confirm/{token}")),
                ("confirm a double opt-in", () => client.PostAsync($"/confirm/{token}", null)),
                ("count a click", () => client.GetAsync($"/t/c/{token}")),
                ("count an open", () => client.GetAsync($"/t/o/{token}")),
            };
            foreach (var (what, send) in attempts)
            {
                (await send()).StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{what} with {link}");
            }
        }

        var visitor = await AnonymousPageAsync(ColorScheme.Light);
        await visitor.GotoAsync(links[0]);
        await BrowserFixture.ScreenshotAsync(visitor, "49-preview-link-opened");
        (await LogCountAsync(target)).ShouldBe(logBefore);
        (await StatusAsync(target)).ShouldBe(ConsentStatus.Unknown);
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task SomeoneWhoNeverAgreedSeesWhyThePreferenceCentreCannotSubscribeThem(ColorScheme scheme, string name)
    {
        // The only studio mail such a person can hold is a confirmation request; its "do not e-mail me" link opens the preference centre.
        await using var sender = await SenderAtThisStudioAsync();
        var (id, email) = await NeverAskedCustomerAsync();
        var outbox = Outbox();
        (await Service<DoubleOptInMailer>().SendAsync(id, "signup-form-v3", ConsentSource.Form, "customer", null)).Sent.ShouldBeTrue();
        var request = (await NewMailsAsync(outbox, email)).ShouldHaveSingleItem();
        var page = await AnonymousPageAsync(scheme);

        await page.GotoAsync(UnsubscribeLinkOf(request));

        await page.Locator("[data-testid=cannot-subscribe-here]").WaitForAsync();
        (await page.IsDisabledAsync("[data-testid=preference-centre] input[name=purpose]")).ShouldBeTrue();
        await BrowserFixture.ScreenshotAsync(page, $"50-preferences-never-agreed-{name}");
        (await StatusAsync(id)).ShouldBe(ConsentStatus.Pending);
    }

    [Theory]
    [InlineData(ColorScheme.Light, "light")]
    [InlineData(ColorScheme.Dark, "dark")]
    public async Task TheDoubleOptInPageConfirmsOnlyOnTheButton(ColorScheme scheme, string name)
    {
        var id = await PendingCustomerAsync();
        var link = browser.BaseUrl + new Uri(_pendingConfirmUrl!).PathAndQuery;
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
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 800 }, ColorScheme = scheme });
        return await context.NewPageAsync();
    }

    private async Task<(long Id, string Email)> OptedInCustomerAsync()
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var customer = await db.Customers.AsNoTracking().Where(c => c.EmailConsent == ConsentStatus.OptedIn && c.Email != null).OrderByDescending(c => c.Id)
            .Select(c => new { c.Id, c.Email }).FirstAsync();
        return (customer.Id, customer.Email!);
    }

    private string? _pendingConfirmUrl;

    /// <summary>Someone signs up on the shop's form: the studio mails the confirmation (the only way a confirm link is made).</summary>
    private async Task<long> PendingCustomerAsync()
    {
        var (id, _) = await NeverAskedCustomerAsync();
        var sent = await Service<DoubleOptInMailer>().SendAsync(id, "signup-form-v3", ConsentSource.Form, "customer", null);
        sent.Sent.ShouldBeTrue(sent.Error);
        _pendingConfirmUrl = sent.ConfirmUrl;
        return id;
    }

    private async Task<(long Id, string Email)> NeverAskedCustomerAsync()
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var customer = await db.Customers.AsNoTracking().Where(c => c.EmailConsent == ConsentStatus.Unknown && c.Email != null
                && !db.ConsentRecords.Any(r => r.CustomerId == c.Id && r.Status != ConsentStatus.Unknown))
            .OrderBy(c => c.Id).Select(c => new { c.Id, c.Email }).FirstAsync();
        return (customer.Id, customer.Email!);
    }

    private async Task<int> LogCountAsync(long id)
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.ConsentRecords.CountAsync(r => r.CustomerId == id);
    }

    /// <summary>Points the sender's public address at this test's Kestrel port, so mailed links open here; restores it afterwards.</summary>
    private async Task<IAsyncDisposable> SenderAtThisStudioAsync()
    {
        var store = Service<SenderIdentityStore>();
        var saved = await store.GetAsync();
        await store.SaveAsync(saved with { PublicBaseUrl = browser.BaseUrl });
        return new Restore(() => store.SaveAsync(saved));
    }

    private sealed class Restore(Func<Task> restore) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await restore();
    }

    private string[] Outbox() => Directory.GetFiles(((PickupFolderTransport)((CampaignStudio.Messaging.Dkim.DkimSigningTransport)Service<IMailTransport>()).Inner).Folder, "*.eml");

    private async Task<List<MimeMessage>> NewMailsAsync(string[] before, string to)
    {
        var mails = new List<MimeMessage>();
        foreach (var file in Outbox().Except(before))
        {
            var mail = await MimeMessage.LoadAsync(file);
            if (mail.To.Mailboxes.Any(m => m.Address == to))
            {
                mails.Add(mail);
            }
        }

        return mails;
    }

    /// <summary>A one-person campaign, launched and delivered by the studio's own send worker into the pickup folder.</summary>
    private async Task<MimeMessage> SendCampaignAsync(long customerId, string email)
    {
        var dbFactory = Service<IDbContextFactory<AppDbContext>>();
        var build = new CampaignTestBuilder(browser.App.Services);
        var before = Outbox();
        var segment = await build.SegmentAsync($"Only {email}", [customerId]);
        var template = await build.TemplateAsync($"Mail for {email}");
        var campaignId = await build.ScheduledCampaignAsync($"Campaign for {email}", segment, template);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            if (await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Status).SingleAsync() == CampaignStudio.Domain.Campaigns.CampaignStatus.Completed)
            {
                break;
            }

            waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the send worker completes the campaign");
            await Task.Delay(200);
        }

        return (await NewMailsAsync(before, email)).ShouldHaveSingleItem();
    }

    private static string UnsubscribeLinkOf(MimeMessage mail) => Regex.Match(mail.Headers[HeaderId.ListUnsubscribe]!, "<(https?://[^>]+/u/[^>]+)>").Groups[1].Value;

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) => new(fields.ToDictionary(f => f.Key, f => f.Value));

    private async Task<ConsentStatus> StatusAsync(long id)
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Customers.Where(c => c.Id == id).Select(c => c.EmailConsent).SingleAsync();
    }
}
