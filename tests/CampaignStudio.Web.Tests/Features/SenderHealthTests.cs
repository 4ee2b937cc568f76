using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.SenderHealth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// Sender health for a manager (page as the server renders it, and the API twin) with the small-groups rule, the automatic
/// pause limits (every role reads, an Admin sets) and a campaign page that says why it paused itself.
/// </summary>
public abstract class SenderHealthTests(StudioAppFactory app)
{
    public sealed class OnSqlite(StudioAppFactory app) : SenderHealthTests(app), IClassFixture<StudioAppFactory>;

    /// <summary>The report's grouped query by day of sending, translated for PostgreSQL too.</summary>
    public sealed class OnPostgres(Support.PostgresStudioAppFactory app) : SenderHealthTests(app), IClassFixture<Support.PostgresStudioAppFactory>;

    /// <summary>The sender health routes that change something; the tests below show only an admin gets through.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes =
        [("PUT", "/api/settings/automatic-pause"), ("PUT", "/api/settings/sending-rules")];

    private static readonly HtmlParser Html = new();

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private DateTime Now => app.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task OnlyAnAdminSetsTheAutomaticPauseLimitsAndEveryRoleReadsThem()
    {
        const string body = """{"hardBounceRate":0.04,"hardBounceMinimumSent":400,"complaintRate":0.002,"complaintMinimumDelivered":2000}""";
        try
        {
            var manager = await ClientAsync("manager@demo.local");
            (await manager.GetFromJsonAsync<AutomaticPauseBody>("/api/settings/automatic-pause")).ShouldBe(new AutomaticPauseBody(0.05, 500, 0.003, 1_000));
            foreach (var email in new[] { "manager@demo.local", "marketer@demo.local" })
            {
                (await (await ClientAsync(email)).PutAsync("/api/settings/automatic-pause", Json(body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            }

            var admin = await ClientAsync("admin@demo.local");
            var saved = await admin.PutAsync("/api/settings/automatic-pause", Json(body));

            saved.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await manager.GetFromJsonAsync<AutomaticPauseBody>("/api/settings/automatic-pause")).ShouldBe(new AutomaticPauseBody(0.04, 400, 0.002, 2_000));
            (await app.Services.GetRequiredService<AutomaticPauseStore>().GetAsync()).ShouldBe(new AutomaticPauseLimits(0.04, 400, 0.002, 2_000), "the send worker reads these");

            var refused = await admin.PutAsync("/api/settings/automatic-pause", Json(body.Replace("0.002", "1.5", StringComparison.Ordinal)));
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("The complaint limit must be above 0 % and at most 100 %.");
        }
        finally
        {
            await app.Services.GetRequiredService<AutomaticPauseStore>().SaveAsync(AutomaticPauseLimits.Default);
        }
    }

    [Fact]
    public async Task OnlyAnAdminSetsTheSendingRulesAndEveryRoleReadsThem()
    {
        const string body = """{"maxPerDay":1,"maxPerWeek":3,"quietFrom":"21:00","quietUntil":"08:00","defaultTimeZone":"Europe/Berlin"}""";
        try
        {
            var marketer = await ClientAsync("marketer@demo.local");
            (await marketer.GetFromJsonAsync<SendingRulesBody>("/api/settings/sending-rules")).ShouldBe(new SendingRulesBody(null, null, null, null, "UTC"));
            foreach (var email in new[] { "manager@demo.local", "marketer@demo.local" })
            {
                (await (await ClientAsync(email)).PutAsync("/api/settings/sending-rules", Json(body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            }

            var admin = await ClientAsync("admin@demo.local");
            (await admin.PutAsync("/api/settings/sending-rules", Json(body))).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await marketer.GetFromJsonAsync<SendingRulesBody>("/api/settings/sending-rules")).ShouldBe(new SendingRulesBody(1, 3, "21:00", "08:00", "Europe/Berlin"));
            (await app.Services.GetRequiredService<SendingRulesStore>().GetAsync())
                .ShouldBe(new SendingRules(1, 3, new TimeOnly(21, 0), new TimeOnly(8, 0), "Europe/Berlin"), "the engine and the send pipeline read these");

            var refused = await admin.PutAsync("/api/settings/sending-rules", Json(body.Replace("Europe/Berlin", "Mars/Olympus", StringComparison.Ordinal)));
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("is not a time zone");
        }
        finally
        {
            await app.Services.GetRequiredService<SendingRulesStore>().SaveAsync(SendingRules.Default);
        }
    }

    [Fact]
    public async Task AManagerSeesACampaignsBouncesAndComplaintsWithTheSmallGroupOfComplainersHidden()
    {
        // 60 sent: 12 hard bounces (20 %), 3 spam complaints (fewer than k = 10: hidden), 11 unsubscribes.
        var campaignId = await CampaignAsync("Health check", CampaignStatus.Completed, sent: 60, hard: 12, complaints: 3, unsubscribes: 11);
        var manager = await ClientAsync("manager@demo.local");

        using var json = JsonDocument.Parse(await manager.GetStringAsync($"/api/sender-health?campaignId={campaignId}&days=7"));
        var root = json.RootElement;
        root.GetProperty("minGroupSize").GetInt32().ShouldBe(10);
        root.GetProperty("optOutWaitSeconds").GetDouble().ShouldBe(0);
        root.GetProperty("limits").GetProperty("complaintRate").GetDouble().ShouldBe(0.003);
        var row = root.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("id").GetInt32() == campaignId);
        row.GetProperty("sendingDomain").GetString().ShouldBe("shop.example.com");
        var f = row.GetProperty("figures");
        Value(f, "sent").ShouldBe(60);
        Value(f, "delivered").ShouldBe(48);
        Value(f, "hardBounced").ShouldBe(12);
        Rate(f, "hardBounceRate").ShouldBe(0.2);
        Value(f, "complaints").ShouldBeNull();
        Rate(f, "complaintRate").ShouldBeNull();
        Value(f, "unsubscribes").ShouldBe(11);
        Rate(f, "unsubscribeRate")!.Value.ShouldBe(11.0 / 48, 1e-12);
        root.GetProperty("scope").GetString().ShouldBe("Health check");
        var today = root.GetProperty("daily").EnumerateArray().Last();
        today.GetProperty("day").GetString().ShouldBe(DateOnly.FromDateTime(Now).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Value(today.GetProperty("figures"), "hardBounced").ShouldBe(12);
        Value(today.GetProperty("figures"), "complaints").ShouldBeNull();
        var domain = root.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "shop.example.com");
        var domainComplaints = domain.GetProperty("figures").GetProperty("complaints");
        (domainComplaints.GetProperty("value").ValueKind == JsonValueKind.Null || domainComplaints.GetProperty("about").GetBoolean())
            .ShouldBeTrue("a campaign of the domain hides its complaints: the domain's total is hidden or rounded to k, never exact");

        var page = Html.ParseDocument(await manager.GetStringAsync($"/sender-health?campaign={campaignId}&days=7"));
        var cells = page.QuerySelectorAll("[data-testid=health-campaign]")
            .Single(r => r.QuerySelector("a")!.TextContent == "Health check").Children.Skip(1).Take(6).Select(c => c.TextContent.Trim()).ToList();
        cells.ShouldBe(["60", "48", "12 (20 %)", "0 (0 %)", "–", "11 (22.9 %)"]);
        page.QuerySelector("[data-testid=opt-out-wait]")!.TextContent.ShouldContain("Every opt-out of the period was honoured at once");
        page.QuerySelector("[data-testid=automatic-pause-limits]")!.TextContent.ShouldContain("0.3 % of delivered mail (from 1,000 delivered)");
        page.QuerySelector("[data-testid=complaint-chart]").ShouldNotBeNull();
    }

    [Fact]
    public async Task ACampaignThatPausedItselfSaysWhyOnItsPageAndOnTheHealthPage()
    {
        var campaignId = await CampaignAsync("Paused itself", CampaignStatus.Sending, sent: 1_000, hard: 0, complaints: 4, unsubscribes: 0);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Sending);
            (await Data.Bounces.CampaignDeliveryCounts.ForAsync(db, campaignId)).ShouldBe(new Data.Bounces.DeliveryCounts(1_000, 0, 0, 4));
            (await AutomaticPauses.CheckAsync(db, campaignId, AutomaticPauseLimits.Default, Now)).ShouldBe(AutomaticPauseCause.Complaints);
        }

        var manager = await app.SignedInClientAsync("manager@demo.local");
        var page = Html.ParseDocument(await manager.GetStringAsync($"/campaigns/{campaignId}"));
        page.QuerySelector("[data-testid=auto-pause-reason]")!.TextContent.ShouldContain(AutomaticPause.Reason(AutomaticPauseCause.Complaints, AutomaticPauseLimits.Default));
        page.QuerySelector("[data-testid=health-complaints]")!.TextContent.Trim().ShouldBe("–", "4 complainers are a small group");

        var health = Html.ParseDocument(await manager.GetStringAsync("/sender-health"));
        health.QuerySelectorAll("[data-testid=auto-paused-campaign]").Select(a => a.TextContent).ShouldContain(t => t.Contains("Paused itself", StringComparison.Ordinal));
    }

    private static long? Value(JsonElement figures, string name) =>
        figures.GetProperty(name).GetProperty("value") is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() : null;

    private static double? Rate(JsonElement figures, string name) =>
        figures.GetProperty(name).GetProperty("value") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    /// <summary>A launched campaign with <paramref name="sent"/> messages sent now, of which the first ones bounced or complained.</summary>
    private async Task<int> CampaignAsync(string name, CampaignStatus status, int sent, int hard, int complaints, int unsubscribes)
    {
        await using var db = await Db.CreateDbContextAsync();
        // Scheduled for tomorrow while the rows are written: the background worker must not see a sending campaign without
        // messages (it would complete it); it moves on when the ledger is complete.
        var campaign = new Campaign { Name = name, CreatedBy = "test", CreatedAt = Now, LaunchedAt = Now, ScheduledAt = Now.AddDays(1), SendingDomain = "shop.example.com" };
        campaign.MoveTo(CampaignStatus.Scheduled);

        db.Campaigns.Add(campaign);
        var customers = Enumerable.Range(0, sent).Select(i =>
        {
            var c = new Customer { CreatedAt = Now, UpdatedAt = Now };
            c.SetEmail($"health-{Guid.NewGuid():N}@example.com");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        db.Messages.AddRange(customers.Select((c, i) => new Message
        {
            CampaignId = campaign.Id, CustomerId = c.Id, Status = MessageStatus.Sent, QueuedAt = Now, SentAt = Now,
            Bounce = i < hard ? BounceKind.Hard : null, BouncedAt = i < hard ? Now : null,
            ComplainedAt = i >= hard && i < hard + complaints ? Now : null,
        }));
        if (status == CampaignStatus.Sending)
        {
            // One message waits for tomorrow, so the background worker finds nothing due and does not complete the campaign.
            var waiting = new Customer { CreatedAt = Now, UpdatedAt = Now };
            waiting.SetEmail($"health-{Guid.NewGuid():N}@example.com");
            db.Customers.Add(waiting);
            await db.SaveChangesAsync();
            db.Messages.Add(new Message { CampaignId = campaign.Id, CustomerId = waiting.Id, Status = MessageStatus.Queued, QueuedAt = Now, NextAttemptAt = Now.AddDays(1) });
        }

        db.ConsentRecords.AddRange(customers.Skip(hard + complaints).Take(unsubscribes).Select(c => new ConsentRecord
        {
            CustomerId = c.Id, Status = ConsentStatus.OptedOut, Source = ConsentSource.UnsubscribeLink, Actor = "customer", RecordedAt = Now, CampaignId = campaign.Id,
        }));
        await db.SaveChangesAsync();
        (await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Launch, CancellationToken.None)).ShouldBeTrue();
        if (status == CampaignStatus.Completed)
        {
            (await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Complete, CancellationToken.None)).ShouldBeTrue();
        }

        return campaign.Id;
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
