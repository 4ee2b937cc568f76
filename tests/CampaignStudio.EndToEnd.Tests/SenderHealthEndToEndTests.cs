using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Sender health in a real browser: a week of campaigns whose complaint rate climbs towards Gmail's 0.3 % line, and today's
/// campaign to an old list that paused itself; the manager reads the page, the campaign page says why it paused.
/// </summary>
public sealed class SenderHealthEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private IServiceProvider Services => browser.App.Services;

    [Fact]
    public async Task AManagerSeesTheComplaintRateAgainstGmailsLinesAndTheCampaignThatPausedItself()
    {
        var pausedId = await WeekOfMailAsync();

        var page = await browser.SignedInPageAsync("manager@demo.local");
        await BrowserFixture.OpenAsync(page, "/sender-health?days=7");
        await page.Locator("[data-testid=complaint-chart] .plot-container").WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-loading]').length === 0");
        (await page.TextContentAsync("[data-testid=auto-paused-campaign]"))!.ShouldContain("Win-back (old list)");
        (await page.TextContentAsync("[data-testid=opt-out-wait]"))!.ShouldContain("honoured at once");
        (await page.Locator("[data-testid=health-campaign]").CountAsync()).ShouldBe(7);
        (await page.TextContentAsync("[data-testid=complaint-chart]"))!.ShouldContain("Gmail: never 0.3 %");
        await BrowserFixture.ScreenshotAsync(page, "70-sender-health");

        await BrowserFixture.OpenAsync(page, $"/campaigns/{pausedId}");
        await page.Locator("[data-testid=auto-pause-reason]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=auto-pause-reason]"))!.ShouldContain("spam complaints reached 0.3 %");
        await BrowserFixture.ScreenshotAsync(page, "71-campaign-paused-itself");

        var dark = await browser.SignedInPageAsync("admin@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, "/sender-health?days=7");
        await dark.Locator("[data-testid=complaint-chart] .plot-container").WaitForAsync();
        await dark.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-loading]').length === 0");
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "the tables scroll inside their card on a phone");
        await BrowserFixture.ScreenshotAsync(dark, "72-sender-health-dark-375");

        await BrowserFixture.OpenAsync(dark, "/settings");
        await dark.GetByRole(AriaRole.Tab, new() { Name = "Automatic pause" }).ClickAsync();
        await dark.Locator("[data-testid=automatic-pause-now]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(dark, "73-settings-automatic-pause-dark-375");
    }

    /// <summary>
    /// Six days of one campaign a day to 10,000 customers (complaints rising from 0.07 % to 0.26 %, about 1.5 % hard
    /// bounces, some unsubscribes), and today's win-back to an old list: 1,500 sent, 3 % hard bounces, 0.5 % complaints,
    /// paused by the automatic pause. Rows are written in bulk, as the pipeline would have left them.
    /// </summary>
    private async Task<int> WeekOfMailAsync()
    {
        var dbFactory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var now = browser.App.Clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        var customers = Enumerable.Range(0, 10_000).Select(i =>
        {
            var c = new Customer { CreatedAt = now.AddDays(-30), UpdatedAt = now.AddDays(-30) };
            c.SetEmail($"health{i}@shop.example");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        var first = customers.Min(c => c.Id);
        var last = customers.Max(c => c.Id);

        int[] complaintsPer10k = [7, 9, 12, 15, 19, 26];
        string[] names = ["Weekly news 21", "Spring sale", "Weekly news 22", "New arrivals", "Weekly news 23", "Last chance: spring sale"];
        for (var d = 0; d < 6; d++)
        {
            var at = now.Date.AddDays(d - 6).AddHours(9);
            var id = await CampaignAsync(db, names[d], at);
            await MessagesAsync(db, id, first, last, at, hardPer10k: 130 + (d * 10), softPer10k: 40, complaintsPer10k: complaintsPer10k[d], unsubscribesPer10k: 30 + (d * 6), seed: d);
            (await CampaignMoves.TryAsync(db, id, CampaignLifecycle.Launch, CancellationToken.None)).ShouldBeTrue();
            (await MessageLedger.CompleteIfDoneAsync(db, id, at.AddHours(1))).ShouldBeTrue();
        }

        var paused = await CampaignAsync(db, "Win-back (old list)", now.AddHours(-1));
        await MessagesAsync(db, paused, first, first + 1_499, now.AddHours(-1), hardPer10k: 300, softPer10k: 60, complaintsPer10k: 50, unsubscribesPer10k: 90, seed: 9);
        // The rest of the audience waits for tomorrow's slot, so the background worker leases none of it before the pause.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Messages" ("CampaignId", "CustomerId", "Status", "Attempts", "QueuedAt", "NextAttemptAt")
            SELECT {paused}, "Id", 'Queued', 0, {now}, {now.AddDays(1)} FROM "Customers" WHERE "Id" BETWEEN {first + 1_500} AND {first + 2_999}
            """);
        (await CampaignMoves.TryAsync(db, paused, CampaignLifecycle.Launch, CancellationToken.None)).ShouldBeTrue();
        (await AutomaticPauses.CheckAsync(db, paused, AutomaticPauseLimits.Default, now)).ShouldBe(AutomaticPauseCause.Complaints);
        return paused;
    }

    private static async Task<int> CampaignAsync(AppDbContext db, string name, DateTime at)
    {
        // Scheduled far ahead while its rows are written, so the background worker leaves it alone until then.
        var campaign = new Campaign { Name = name, CreatedBy = "marketer@demo.local", CreatedAt = at.AddDays(-1), ScheduledAt = at.AddYears(1), LaunchedAt = at, SendingDomain = "shop.example.com", AudienceCount = 10_000 };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    private static async Task MessagesAsync(AppDbContext db, int campaignId, long first, long last, DateTime at, int hardPer10k, int softPer10k, int complaintsPer10k,
        int unsubscribesPer10k, int seed)
    {
        // Who bounced or complained is spread over the customers by a fixed hash, so each day picks different people; as in
        // the pipeline, nobody who unsubscribed, complained or bounced hard before is mailed again.
        var hardTo = hardPer10k;
        var softTo = hardPer10k + softPer10k;
        var complaintTo = softTo + complaintsPer10k;
        var unsubscribeTo = complaintTo + unsubscribesPer10k;
        var salt = 104_729L * (seed + 1);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Messages" ("CampaignId", "CustomerId", "Status", "Attempts", "QueuedAt", "SentAt", "Bounce", "BouncedAt", "ComplainedAt")
            SELECT {campaignId}, "Id", 'Sent', 1, {at}, {at},
                CASE WHEN ("Id" * 7919 + {salt}) % 10000 < {hardTo} THEN 'Hard' WHEN ("Id" * 7919 + {salt}) % 10000 < {softTo} THEN 'Soft' END,
                CASE WHEN ("Id" * 7919 + {salt}) % 10000 < {softTo} THEN {at.AddHours(1)} END,
                CASE WHEN ("Id" * 7919 + {salt}) % 10000 >= {softTo} AND ("Id" * 7919 + {salt}) % 10000 < {complaintTo} THEN {at.AddHours(5)} END
            FROM "Customers" WHERE "Id" BETWEEN {first} AND {last}
                AND NOT EXISTS (SELECT 1 FROM "ConsentRecords" r WHERE r."CustomerId" = "Customers"."Id" AND r."Status" = 'OptedOut')
                AND NOT EXISTS (SELECT 1 FROM "Messages" m WHERE m."CustomerId" = "Customers"."Id" AND (m."Bounce" = 'Hard' OR m."ComplainedAt" IS NOT NULL))
            """);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "ConsentRecords" ("CustomerId", "Channel", "Purpose", "Status", "Source", "Actor", "RecordedAt", "CampaignId")
            SELECT "Id", 'Email', 'marketing', 'OptedOut', 'UnsubscribeLink', 'customer', {at.AddHours(2)}, {campaignId}
            FROM "Customers" WHERE "Id" BETWEEN {first} AND {last} AND ("Id" * 7919 + {salt}) % 10000 >= {complaintTo} AND ("Id" * 7919 + {salt}) % 10000 < {unsubscribeTo}
                AND EXISTS (SELECT 1 FROM "Messages" m WHERE m."CustomerId" = "Customers"."Id" AND m."CampaignId" = {campaignId})
                AND NOT EXISTS (SELECT 1 FROM "ConsentRecords" r WHERE r."CustomerId" = "Customers"."Id" AND r."Status" = 'OptedOut')
            """);
    }
}
