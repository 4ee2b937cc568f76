using System.Globalization;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// A marketer writes a template, builds a two-variant campaign for a segment in the wizard, launches it and watches the
/// real background worker deliver it to a real SMTP server (aiosmtpd).
/// </summary>
public sealed class CampaignEndToEndTests(CampaignEndToEndTests.Studio studio) : IClassFixture<CampaignEndToEndTests.Studio>
{
    private const int Customers = 24;
    private const int OptedIn = 18;

    public sealed class Studio : SmtpStudioFixture;

    [Fact]
    public async Task AMarketerLaunchesATwoVariantCampaignForASegmentAndTheMailArrives()
    {
        var services = studio.Browser.App.Services;
        var build = new CampaignTestBuilder(services);

        // Empty states first, in both themes.
        var dark = await studio.Browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(dark, "/campaigns/templates");
        await dark.WaitForSelectorAsync("[data-testid=templates-empty]");
        await BrowserFixture.ScreenshotAsync(dark, "60-templates-empty-dark");
        await BrowserFixture.OpenAsync(dark, "/campaigns");
        await dark.WaitForSelectorAsync("text=No campaigns yet");
        await BrowserFixture.ScreenshotAsync(dark, "61-campaigns-empty-dark");

        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>(), studio.Browser.BaseUrl);
        var ids = await build.CustomersAsync("e2e", Customers, OptedIn, firstName: i => i == 0 ? "<img src=x onerror=alert(1)>" : $"Eva{i}");
        var segment = await build.SegmentAsync("Spring newsletter readers", ids);
        var variantB = await build.TemplateAsync("Spring B — short", subject: "Spring is here, {{ customer.first_name | default: \"friend\" }}");
        int experimentId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var experiment = new Experiment
            {
                Name = "Spring subject test", AssignmentSalt = "e2e-salt", CreatedBy = "marketer@demo.local", CreatedAt = studio.Browser.App.Clock.GetUtcNow().UtcDateTime, Source = ExperimentSource.Campaign,
                Variants = [new Variant { Name = "Long subject", IsControl = true, SortOrder = 0 }, new Variant { Name = "Short subject", SortOrder = 1 }],
            };
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
            experimentId = experiment.Id;
        }

        // Template A through the editor: the preview renders for a customer in a sandboxed frame, a broken tag shows its line.
        var page = await studio.Browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates/new");
        await Field(page, "template-name").FillAsync("Spring A — long");
        var subject = Field(page, "template-subject");
        await subject.FillAsync("Our spring collection is here, {{ customer.first_name | default: \"friend\" }} {% if %}");
        await page.WaitForSelectorAsync("[data-testid=template-errors]");
        await BrowserFixture.ScreenshotAsync(page, "62-template-error");
        await subject.FillAsync("Our spring collection is here, {{ customer.first_name | default: \"friend\" }}");
        await page.WaitForFunctionAsync("() => !document.querySelector('[data-testid=template-errors]') && document.querySelector('[data-testid=preview-subject]')?.textContent.startsWith('Our spring')");
        (await page.GetAttributeAsync("[data-testid=preview-frame]", "sandbox")).ShouldBe("");
        (await page.GetAttributeAsync("[data-testid=preview-frame]", "srcdoc"))!.ShouldContain("Unsubscribe");
        await BrowserFixture.ScreenshotAsync(page, "63-template-editor");
        await page.ClickAsync("[data-testid=save-template]");
        await page.WaitForFunctionAsync("() => /^\\/campaigns\\/templates\\/\\d+$/.test(location.pathname)");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates");
        await page.WaitForSelectorAsync("[data-testid=templates-table]");
        await BrowserFixture.ScreenshotAsync(page, "64-templates");

        // The wizard: audience → experiment → content per variant → schedule → review → launch.
        await BrowserFixture.OpenAsync(page, "/campaigns/new");
        await Field(page, "campaign-name").FillAsync("Spring launch");
        await page.ClickAsync("[data-testid=campaign-segment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring newsletter readers" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "65-wizard-audience");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=campaign-experiment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring subject test" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid='variant-template-Long subject']");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring A — long" }).ClickAsync();
        await page.ClickAsync("[data-testid='variant-template-Short subject']");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring B — short" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "66-wizard-content");
        await page.ClickAsync("[data-testid=wizard-next]");
        await BrowserFixture.ScreenshotAsync(page, "67-wizard-schedule");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.WaitForSelectorAsync("[data-testid=launch-campaign]:not([disabled])");
        (await page.Locator("[data-testid=kpi-will-be-mailed]").TextContentAsync()).ShouldBe(OptedIn.ToString(CultureInfo.InvariantCulture));
        (await page.Locator("[data-testid=kpi-suppressed]").TextContentAsync()).ShouldBe((Customers - OptedIn).ToString(CultureInfo.InvariantCulture));
        await BrowserFixture.ScreenshotAsync(page, "68-wizard-review");
        await page.ClickAsync("[data-testid=launch-campaign]");

        // The campaign page follows the real worker until everything opted in is sent.
        await page.WaitForFunctionAsync("() => /^\\/campaigns\\/\\d+$/.test(location.pathname)");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=count-sent]')?.textContent === '{OptedIn}'", null, new() { Timeout = 60_000 });
        await page.WaitForSelectorAsync("[data-testid=campaign-status]:has-text('Completed')");
        (await page.Locator("[data-testid=count-suppressed]").TextContentAsync()).ShouldBe((Customers - OptedIn).ToString(CultureInfo.InvariantCulture));
        await BrowserFixture.ScreenshotAsync(page, "69-campaign-sent");
        var campaignId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        var mail = studio.Smtp.MessagesOf(campaignId);
        mail.Count.ShouldBe(OptedIn);
        mail.Select(m => m.Subject!.StartsWith("Our spring", StringComparison.Ordinal) ? "A" : m.Subject!.StartsWith("Spring is here", StringComparison.Ordinal) ? "B" : "?")
            .Distinct().Order().ShouldBe(["A", "B"]);
        mail.ShouldAllBe(m => m.HtmlBody!.Contains("/t/o/") && m.Headers["List-Unsubscribe"]!.Contains("/u/"));
        var xss = mail.Single(m => m.To.Mailboxes.Single().Address == "e2e0@example.com");
        xss.HtmlBody!.ShouldNotContain("<img src=x");

        var campaignsDark = await studio.Browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(campaignsDark, $"/campaigns/{campaignId}");
        await campaignsDark.WaitForSelectorAsync("[data-testid=campaign-status]:has-text('Completed')");
        await BrowserFixture.ScreenshotAsync(campaignsDark, "70-campaign-sent-dark");
        await BrowserFixture.OpenAsync(campaignsDark, "/campaigns");
        await campaignsDark.WaitForSelectorAsync("[data-testid=campaigns-table]");
        await BrowserFixture.ScreenshotAsync(campaignsDark, "71-campaigns-dark");
        _ = experimentId;
        _ = variantB;
    }

    /// <summary>MudTextField puts the test id on the input itself.</summary>
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
}
