using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Customers;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The most common experiment, end to end in the browser: half the audience gets an e-mail, the control gets no message,
/// a long-term holdout gets nothing. Design → start (confirmed) → campaign wizard → review → launch → the real worker sends
/// through a real SMTP server (aiosmtpd) → outcomes measured → the experiment page reads the lift against the no-message control.
/// </summary>
public sealed class NoMessageControlEndToEndTests(CampaignEndToEndTests.Studio studio) : IClassFixture<CampaignEndToEndTests.Studio>
{
    private const int OptedIn = 120;

    [Fact]
    public async Task AMarketerRunsAnExperimentWhoseControlGetsNoMessageFromDesignToResults()
    {
        var services = studio.Browser.App.Services;
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var build = new CampaignTestBuilder(services);
        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>(), studio.Browser.BaseUrl);
        var ids = await build.CustomersAsync("nomsg", OptedIn + 10, OptedIn);
        await using (var db = await factory.CreateDbContextAsync())
        {
            // Most customers give a gender, some do not (the fairness panel lists them apart), three are a small group.
            foreach (var customer in await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync())
            {
                var i = ids.IndexOf(customer.Id);
                customer.Gender = i % 10 == 9 ? null : i < 3 ? "diverse" : i % 2 == 0 ? "female" : "male";
            }

            await db.SaveChangesAsync();
        }

        await build.SegmentAsync("Spring audience", ids);
        await build.TemplateAsync("Spring offer", subject: "Spring offer for {{ customer.first_name | default: \"you\" }}");
        var page = await studio.Browser.SignedInPageAsync("marketer@demo.local");
        page.SetDefaultTimeout(60_000);

        // Design: the default arms are "No message (control)" and "E-mail"; the e-mail arm gets the template; a 10 % holdout.
        await BrowserFixture.OpenAsync(page, "/experiments/new");
        await Field(page, "design-name").FillAsync("Does the spring offer sell?");
        await page.ClickAsync("[data-testid=design-audience]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring audience" }).ClickAsync();
        await page.ClickAsync("[data-testid=arm-email-1]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring offer" }).ClickAsync();
        await Field(page, "design-holdout").FillAsync("0.1");
        await Field(page, "design-holdout").PressAsync("Tab");
        await page.WaitForSelectorAsync("[data-testid=power-arm-sizes]:has-text('holdout')");
        await BrowserFixture.ScreenshotAsync(page, "80-experiment-design-no-message-control");
        await page.ClickAsync("[data-testid=save-experiment]");
        await page.WaitForURLAsync(new Regex(@"/experiments/\d+$"));
        var experimentUrl = new Uri(page.Url).AbsolutePath;
        var experimentId = int.Parse(experimentUrl[(experimentUrl.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        // Start asks first: how many customers, per arm, that it cannot be undone, and the power.
        await page.ClickAsync("[data-testid=start-experiment]");
        var dialog = page.Locator("[data-testid=start-dialog]");
        await dialog.WaitForAsync();
        var text = (await dialog.TextContentAsync())!;
        text.ShouldContain($"{OptedIn:N0} customers");
        text.ShouldContain("cannot be undone");
        text.ShouldContain("No message (control)");
        text.ShouldContain("Long-term holdout");
        (await page.Locator("[data-testid=start-power]").TextContentAsync())!.ShouldContain("power");
        await BrowserFixture.ScreenshotAsync(page, "81-experiment-start-confirmation");
        await page.ClickAsync("[data-testid=confirm-start]");
        await page.WaitForSelectorAsync($"[data-testid=experiment-message]:has-text('{OptedIn:N0} customers assigned')");
        Dictionary<string, int> arms;
        await using (var db = await factory.CreateDbContextAsync())
        {
            arms = await db.Assignments.Where(a => a.ExperimentId == experimentId).Join(db.Variants, a => a.VariantId, v => v.Id, (a, v) => v.Name)
                .GroupBy(n => n).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        }

        arms.Values.Sum().ShouldBe(OptedIn);
        var mailArm = arms["E-mail"];

        // The wizard: the arms come with the design's e-mails, the control's is "no message".
        await BrowserFixture.OpenAsync(page, "/campaigns/new");
        await Field(page, "campaign-name").FillAsync("Spring offer test");
        await page.ClickAsync("[data-testid=campaign-segment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Spring audience" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=campaign-experiment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Does the spring offer sell?" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await BrowserFixture.ScreenshotAsync(page, "82-wizard-content-no-message-control");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=wizard-next]");

        // The review counts only who will be mailed, and shows each arm beside it.
        await page.WaitForSelectorAsync("[data-testid=launch-campaign]:not([disabled])");
        (await page.Locator("[data-testid=kpi-will-be-mailed]").TextContentAsync()).ShouldBe(mailArm.ToString("N0", CultureInfo.InvariantCulture));
        var armsTable = (await page.TextContentAsync("[data-testid=review-arms]"))!;
        armsTable.ShouldContain("No message (control)");
        armsTable.ShouldContain(arms["No message (control)"].ToString(CultureInfo.InvariantCulture));
        armsTable.ShouldContain("Spring offer");
        (await page.Locator("[data-testid=launch-problems]").CountAsync()).ShouldBe(0);
        await page.ClickAsync("[data-testid=campaign-fairness] .mud-tab:has-text('Gender')");
        var fairness = (await page.TextContentAsync("[data-testid=campaign-fairness]"))!;
        fairness.ShouldContain("(not given)");
        fairness.ShouldContain("not compared");
        await BrowserFixture.ScreenshotAsync(page, "83-wizard-review-arms-and-fairness");
        await page.ClickAsync("[data-testid=launch-campaign]");

        // The real worker mails the e-mail arm only.
        await page.WaitForFunctionAsync("() => /^\\/campaigns\\/\\d+$/.test(location.pathname)");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=count-sent]')?.textContent === '{mailArm}'", null, new() { Timeout = 60_000 });
        await page.WaitForSelectorAsync("[data-testid=campaign-status]:has-text('Completed')");
        var campaignId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        var results = (await page.TextContentAsync("[data-testid=campaign-results]"))!;
        results.ShouldContain("No message (control)");
        results.ShouldContain("no message");
        await BrowserFixture.ScreenshotAsync(page, "84-campaign-sent-no-message-control");
        studio.Smtp.MessagesOf(campaignId).Count.ShouldBe(mailArm);

        // Purchases after the send: 12 in the control, 20 in the e-mail arm — enough in each for the privacy threshold.
        await using (var db = await factory.CreateDbContextAsync())
        {
            var members = await db.Assignments.Where(a => a.ExperimentId == experimentId).Join(db.Variants, a => a.VariantId, v => v.Id, (a, v) => new { a.CustomerId, v.Name })
                .ToListAsync();
            var buyers = members.Where(m => m.Name == "No message (control)").Take(12).Concat(members.Where(m => m.Name == "E-mail").Take(20)).ToList();
            var mailedTo = studio.Smtp.MessagesOf(campaignId).Select(m => m.To.Mailboxes.Single().Address).ToHashSet();
            var controlIds = members.Where(m => m.Name == "No message (control)").Select(m => m.CustomerId!.Value).ToList();
            var controlAddresses = await db.Customers.Where(c => controlIds.Contains(c.Id)).Select(c => c.Email!).ToListAsync();
            controlAddresses.ShouldAllBe(a => !mailedTo.Contains(a));
            db.Purchases.AddRange(buyers.Select((b, i) => new Purchase
            {
                CustomerId = b.CustomerId!.Value, Amount = 40m, PurchasedAt = studio.Browser.App.Clock.GetUtcNow().UtcDateTime.AddMinutes(1), SourceKey = $"e2e-nomsg-{i}",
            }));
            await db.SaveChangesAsync();
        }

        // Results: the experiment page measures every arm and compares the e-mail with the no-message control.
        await BrowserFixture.OpenAsync(page, experimentUrl);
        await page.ClickAsync("[data-testid=measure-outcomes]");
        await page.WaitForSelectorAsync("[data-testid=experiment-message]:has-text('Outcomes measured')");
        await page.WaitForSelectorAsync("[data-testid=arms-table]");
        var table = (await page.TextContentAsync("[data-testid=arms-table]"))!;
        table.ShouldContain("No message (control)");
        table.ShouldNotContain("(control) (control)");
        (await page.Locator("[data-testid=relative-lift]").First.TextContentAsync())!.ShouldStartWith("+");
        (await page.TextContentAsync("[data-testid=lift-adjustment]"))!.ShouldContain("unadjusted");
        await BrowserFixture.ScreenshotAsync(page, "85-experiment-results-no-message-control");

        // The list labels its lifts the same way.
        await BrowserFixture.OpenAsync(page, "/experiments");
        await page.WaitForSelectorAsync("[data-testid=experiments-table]");
        var row = page.Locator("[data-testid=experiments-table] tr", new() { HasText = "Does the spring offer sell?" });
        (await row.Locator("[data-testid=lift-cell]").TextContentAsync())!.ShouldContain("unadjusted");
        (await page.TextContentAsync("[data-testid=adjustment-rule]"))!.ShouldContain("CUPED");
        await BrowserFixture.ScreenshotAsync(page, "86-experiments-list-adjustment-labels");

        // On a phone, in dark mode, the review's arms still read.
        var phone = await (await studio.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = studio.Browser.BaseUrl, ViewportSize = new ViewportSize { Width = 375, Height = 800 }, ColorScheme = ColorScheme.Dark,
            StorageState = await page.Context.StorageStateAsync(),
        })).NewPageAsync();
        await BrowserFixture.OpenAsync(phone, experimentUrl);
        await phone.WaitForSelectorAsync("[data-testid=arms-table]");
        await BrowserFixture.ScreenshotAsync(phone, "87-experiment-results-phone-dark");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task TheImportStatesItsPlannedSplit()
    {
        var page = await studio.Browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/experiments/import");
        // 30 in Control, 90 in Mail: a 1 : 3 plan.
        var csv = "group,conversion\n" + string.Concat(Enumerable.Range(0, 120).Select(i => $"{(i % 4 == 0 ? "Control" : "Mail")},{i % 5 / 4}\n"));
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=results-file]",
            new FilePayload { Name = "planned.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.WaitForSelectorAsync("[data-testid=planned-split]");
        (await page.TextContentAsync("[data-testid=planned-split]"))!.ShouldContain("Equal");
        await page.ClickAsync("[data-testid=planned-split-stated]");
        await Field(page, "planned-weight-Control").FillAsync("1");
        await Field(page, "planned-weight-Mail").FillAsync("3");
        await Field(page, "planned-weight-Mail").PressAsync("Tab");
        await page.WaitForSelectorAsync("[data-testid=planned-split]:has-text('Mail 75.0')");
        await BrowserFixture.ScreenshotAsync(page, "88-experiment-import-planned-split");
        await page.ClickAsync("[data-testid=create-experiment]");
        await page.WaitForURLAsync(new Regex(@"/experiments/\d+$"));
        await page.WaitForSelectorAsync("[data-testid=arms-table]");

        // 30 / 90 is exactly the stated 1 : 3, so no mismatch (equal shares would be one: chi-square 30, p < 0.001).
        (await page.Locator("[data-testid=srm-warning]").CountAsync()).ShouldBe(0);
        (await page.TextContentAsync("[data-testid=planned-split-note]"))!.ShouldContain("25.0");
    }

    /// <summary>MudTextField puts the test id on the input itself.</summary>
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
}
