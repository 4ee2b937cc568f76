using CampaignStudio.Data;
using CampaignStudio.Data.Bounces;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A marketer reads why addresses were suppressed after bounces and complaints, and lifts a soft-bounce suppression.</summary>
public sealed class BouncesEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private IServiceProvider Services => browser.App.Services;

    [Fact]
    public async Task AMarketerSeesEachSuppressionWithItsEvidenceAndLiftsOnlyTheSoftBounce()
    {
        var (soft, hard, complained) = await BouncedCustomersAsync();

        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/consent/bounces");
        var table = page.Locator("[data-testid=bounce-suppressions] tbody tr");
        await table.First.WaitForAsync();
        (await table.CountAsync()).ShouldBe(3);
        var text = (await page.TextContentAsync("[data-testid=bounce-suppressions]"))!;
        text.ShouldContain("unknown user");
        text.ShouldContain("5.2.2");
        text.ShouldContain("Spam complaint");
        (await page.TextContentAsync("[data-testid=bounce-unread]"))!.ShouldContain("Automatic reply");
        (await page.Locator("[data-testid^=lift-]").CountAsync()).ShouldBe(1, "only the soft-bounce suppression can be lifted");
        await BrowserFixture.ScreenshotAsync(page, "60-bounces-and-complaints");

        await page.Locator("[data-testid^=lift-]").ClickAsync();
        await page.Locator("[data-testid=bounce-suppressions] tr", new() { HasText = "Lifted" }).WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "61-bounces-soft-lifted");

        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var statuses = await db.Customers.Where(c => c.Id == soft || c.Id == hard || c.Id == complained).ToDictionaryAsync(c => c.Id, c => c.EmailConsent);
        statuses[soft].ShouldBe(ConsentStatus.OptedIn);
        statuses[hard].ShouldBe(ConsentStatus.Bounced);
        statuses[complained].ShouldBe(ConsentStatus.Complained);
    }

    [Fact]
    public async Task AnAdminSetsTheBounceMailboxAndThePasswordIsNotShownAgain()
    {
        var page = await browser.SignedInPageAsync("admin@demo.local");
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "Bounce mailbox" }).ClickAsync();
        await page.FillAsync(Field("bounce-return-address"), "bounces@bounce.shop.example");
        await page.FillAsync(Field("bounce-imap-host"), "imap.shop.example");
        await page.FillAsync(Field("bounce-imap-user"), "bounces");
        await page.FillAsync(Field("bounce-imap-password"), "imap-secret-123");
        await page.ClickAsync("[data-testid=save-bounce-mailbox]");
        await page.GetByText("Stored (encrypted). Leave empty to keep it.").WaitForAsync();

        (await page.InputValueAsync(Field("bounce-imap-password"))).ShouldBeEmpty();
        await BrowserFixture.ScreenshotAsync(page, "62-settings-bounce-mailbox");
        var settings = await Services.GetRequiredService<CampaignStudio.Sending.Bounces.BounceMailboxStore>().GetAsync();
        settings.ReturnAddress.ShouldBe("bounces@bounce.shop.example");
        settings.ImapHost.ShouldBe("imap.shop.example");
    }

    [Fact]
    public async Task AnAdminSetsUpTheMailgunWebhookSeesTheUrlToPasteAndTheKeyIsNotShownAgain()
    {
        var page = await browser.SignedInPageAsync("admin@demo.local");
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Tab, new() { Name = "Provider webhooks" }).ClickAsync();
        (await page.TextContentAsync("[data-testid=url-mailgun]"))!.ShouldEndWith("/webhooks/mailgun");
        await page.FillAsync(Field("mailgun-signing-key"), "mailgun-signing-key-0123456789");
        await page.ClickAsync("[data-testid=save-provider-webhooks]");
        await page.GetByText("Stored (encrypted). Leave empty to keep it.").WaitForAsync();

        (await page.InputValueAsync(Field("mailgun-signing-key"))).ShouldBeEmpty();
        await BrowserFixture.ScreenshotAsync(page, "63-settings-provider-webhooks");
        (await Services.GetRequiredService<CampaignStudio.Sending.Bounces.ProviderWebhookStore>().GetAsync()).HasMailgunKey.ShouldBeTrue();
    }

    private static string Field(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    /// <summary>Three sent messages whose bounces the mailbox reader would have recorded: soft ×3, hard, complaint, plus an autoreply.</summary>
    private async Task<(long Soft, long Hard, long Complained)> BouncedCustomersAsync()
    {
        var build = new CampaignTestBuilder(Services);
        var ids = await build.CustomersAsync("bounced", 3, optedIn: 3);
        var ledger = Services.GetRequiredService<ConsentLedger>();
        await ledger.RecordAsync(new ConsentChange(ids[0], ConsentStatus.OptedIn, ConsentSource.Form, "customer", WordingVersion: "signup-v3"));
        var now = Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var messages = new List<long>();
        await using (var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // Sent already (a draft's rows written by hand): the studio's own worker must not launch it again.
            var campaign = new Campaign { Name = "Winter offers", EmailTemplateId = await build.TemplateAsync("Winter"), CreatedBy = "test", CreatedAt = now };
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            var rows = ids.Select(id => new Message { CampaignId = campaign.Id, CustomerId = id, Status = MessageStatus.Sent, QueuedAt = now, SentAt = now }).ToList();
            db.Messages.AddRange(rows);
            await db.SaveChangesAsync();
            messages.AddRange(rows.Select(r => r.Id));
        }

        var bounces = Services.GetRequiredService<BounceLedger>();
        for (var i = 1; i <= 3; i++)
        {
            await bounces.RecordAsync(new BounceReading(BounceKind.Soft, "5.2.2", "smtp; 552 5.2.2 The recipient's inbox is out of storage space", messages[0], null, null),
                new BounceMail($"soft-{i}@bounce.test", "Delivery Status Notification (Failure)", "mailer-daemon@googlemail.com", now.AddDays(-i)));
        }

        await bounces.RecordAsync(new BounceReading(BounceKind.Hard, "5.1.1", "X-Postfix; unknown user: \"bounced1\"", messages[1], null, null),
            new BounceMail("hard@bounce.test", "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.shop.example", now));
        await bounces.RecordAsync(new BounceReading(BounceKind.Complaint, null, "Feedback report: abuse", messages[2], null, null, "Feedback-Type: abuse"),
            new BounceMail("arf@bounce.test", "complaint about message from 192.0.2.10", "staff@hotmail.example", now));
        await bounces.RecordAsync(new BounceReading(BounceKind.NotUnderstood, null, "Thank you for your message. I am out of the office until 14 December.", messages[0], null, null),
            new BounceMail("ooo@bounce.test", "Automatic reply: Winter offers", "anna@customer.example", now));
        return (ids[0], ids[1], ids[2]);
    }
}
