using CampaignStudio.Data;
using CampaignStudio.Data.Seed;
using CampaignStudio.Domain.Segments;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The studio works under its Content-Security-Policy: Blazor's circuit, MudBlazor, Plotly's charts and the sandboxed
/// mail preview run with scripts from the studio only, and the browser reports no violation on the main pages.
/// </summary>
public sealed class ContentSecurityPolicyEndToEndTests(DemoShopBrowserFixture browser) : IClassFixture<DemoShopBrowserFixture>
{
    /// <summary>Collects every violation the browser reports, from the page's own event and from the console.</summary>
    private const string ViolationRecorder =
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));";

    [Fact]
    public async Task TheMainPagesWorkUnderThePolicyWithoutAViolationAndAnInjectedInlineScriptDoesNotRun()
    {
        var (templateId, experimentId, segmentId) = await DemoIdsAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = browser.BaseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await context.AddInitScriptAsync(ViolationRecorder);
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };

        var signIn = await page.GotoAsync("/account/login");
        var policy = (await signIn!.AllHeadersAsync())["content-security-policy"];
        policy.ShouldContain("script-src 'self' 'nonce-");
        policy.ShouldContain("frame-ancestors 'none'");
        await page.FillAsync("#email", "marketer@demo.local");
        await page.FillAsync("#password", StudioAppFactory.Password);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForSelectorAsync("body[data-interactive=true]");

        // Dashboard: Plotly draws the revenue chart.
        await page.Locator("[data-testid=monthly-revenue] .main-svg").First.WaitForAsync();
        await CollectAsync(page, violations);

        // Segment editor: the live count arrives over the circuit.
        await BrowserFixture.OpenAsync(page, $"/segments/{segmentId}");
        await page.WaitForFunctionAsync("() => /\\d/.test(document.querySelector('[data-testid=member-count]')?.textContent ?? '')");
        await CollectAsync(page, violations);

        // Template editor: editing re-renders the preview in its sandboxed frame, with the mail's own styles.
        await BrowserFixture.OpenAsync(page, $"/campaigns/templates/{templateId}");
        await page.WaitForSelectorAsync("[data-testid=preview-subject]");
        var html = page.Locator("textarea[data-testid=template-html], [data-testid=template-html] textarea").First;
        await html.FillAsync("<html><head><style>h1 { color: #b00020; }</style></head><body><h1 style=\"font-family: Georgia\">Under the policy, {{ customer.first_name | default: \"friend\" }}</h1></body></html>");
        var preview = page.FrameLocator("[data-testid=preview-frame]");
        await preview.Locator("h1", new() { HasText = "Under the policy" }).WaitForAsync();
        (await preview.Locator("h1").EvaluateAsync<string>("h => getComputedStyle(h).color")).ShouldBe("rgb(176, 0, 32)");
        await BrowserFixture.ScreenshotAsync(page, "90-template-editor-under-csp");
        await CollectAsync(page, violations);

        // Experiment page: the lift chart.
        await BrowserFixture.OpenAsync(page, $"/experiments/{experimentId}");
        await page.Locator("[data-testid=lift-chart] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "91-experiment-under-csp");
        await CollectAsync(page, violations);

        // The API reference (Scalar) carries the nonce on its own scripts, and its own policy (it evaluates code).
        await page.GotoAsync("/api/docs");
        await page.GetByText("CampaignStudio API").First.WaitForAsync();
        await page.GetByText("Authentication").First.WaitForAsync();
        await CollectAsync(page, violations);

        violations.ShouldBeEmpty();

        // The policy bites: a script that data smuggled into the page as inline code does not run, and is reported.
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.appendChild(s); }");
        await page.WaitForFunctionAsync("() => window.__csp.length > 0");
        (await page.EvaluateAsync<bool>("() => window.__ran === true")).ShouldBeFalse();
        (await page.EvaluateAsync<string[]>("() => window.__csp")).ShouldHaveSingleItem().ShouldStartWith("script-src-elem blocked inline");
        await context.CloseAsync();
    }

    [Fact]
    public async Task TheTemplateEditorSaysWhyARunawayTemplateCannotRenderAndAManagerPreviewsSavedTemplatesOnly()
    {
        var (templateId, _, _) = await DemoIdsAsync();
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates/new");
        await page.WaitForSelectorAsync("[data-testid=preview-subject]");

        // A new template starts from blocks; the runaway loop is written as HTML.
        await page.Locator("[data-testid=editor-mode]").GetByText("HTML", new() { Exact = true }).ClickAsync();
        var html = page.Locator("textarea[data-testid=template-html], [data-testid=template-html] textarea").First;
        await html.FillAsync("<p>Hi</p>{% for i in (1..100000000) %}x{% endfor %}");
        await page.Locator("[data-testid=template-errors]", new() { HasText = "a range may have at most 10,000 numbers" }).WaitForAsync(new() { Timeout = 5_000 });
        (await page.TextContentAsync("[data-testid=template-errors]"))!.ShouldContain("Html: The template could not be rendered");
        await page.ClickAsync("[data-testid=merge-field-help] summary");
        (await page.TextContentAsync("[data-testid=merge-field-help]"))!.ShouldContain("p.url");
        await BrowserFixture.ScreenshotAsync(page, "92-template-editor-runaway");
        await page.SetViewportSizeAsync(375, 800);
        await BrowserFixture.ScreenshotAsync(page, "93-template-editor-runaway-phone");

        var manager = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(manager, $"/campaigns/templates/{templateId}");
        await manager.WaitForSelectorAsync("[data-testid=preview-subject]");
        (await manager.Locator("[data-testid=save-template]").CountAsync()).ShouldBe(0);
        (await manager.Locator("[data-testid=insert-recommendations]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(manager, "94-template-saved-preview-manager-dark");
        await BrowserFixture.OpenAsync(manager, "/campaigns/templates/new");
        await manager.GetByText("Admins and Marketers create templates").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(manager, "95-template-new-manager-dark");
    }

    private static async Task CollectAsync(IPage page, List<string> violations) =>
        violations.AddRange(await page.EvaluateAsync<string[]>("() => window.__csp"));

    private async Task<(int Template, int Experiment, int Segment)> DemoIdsAsync()
    {
        await using var db = await browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var template = await db.EmailTemplates.OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
        var experiment = await db.Experiments.Where(e => e.Name == DemoShopSeeder.ExperimentName).Select(e => e.Id).FirstAsync();
        var segment = await db.Segments.Where(s => s.Kind == SegmentKind.Rule).OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
        return (template, experiment, segment);
    }
}
