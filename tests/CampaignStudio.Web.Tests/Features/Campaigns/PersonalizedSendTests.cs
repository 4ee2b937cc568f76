using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.TestSupport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// Recommendations merged into real sends and "deliver at each recipient's best hour", through the real host, the real
/// launcher and sender, a real SMTP server (aiosmtpd), on SQLite and on PostgreSQL. The send worker is off: each test
/// drives launch and send passes with its own clock.
/// </summary>
public abstract partial class PersonalizedSendTests(SmtpStudio studio)
{
    private const string RecommendationsHtml = """
        <html><body><p>Hello {{ customer.first_name }}</p>
        <ul>{% for p in recommendations limit: 3 %}<li>{{ p.name }}</li>{% endfor %}</ul>
        </body></html>
        """;

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private DateTime Now => studio.App.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task MailsListWhatSimilarBuyersBoughtAndMostPopularProductsForCustomersWithoutPurchases()
    {
        var buyer = await Build.CustomersAsync("camper", 1, optedIn: 1);
        var newcomer = await Build.CustomersAsync("newcomer", 1, optedIn: 1);
        var others = await Build.CustomersAsync("shopper", 25, optedIn: 0);

        // Tent buyers also bought sleeping bags (5 of them) and lanterns (3); socks, mugs and caps are what most people buy.
        await PurchasesAsync(buyer[0], "Tent");
        for (var i = 0; i < 5; i++)
        {
            await PurchasesAsync(others[i], "Tent", "Sleeping bag");
        }

        for (var i = 0; i < 3; i++)
        {
            await PurchasesAsync(others[i], "Lantern");
        }

        for (var i = 5; i < 25; i++)
        {
            await PurchasesAsync(others[i], [.. new[] { "Socks", i < 20 ? "Mug" : null, i < 17 ? "Cap" : null }.OfType<string>()]);
        }

        await Services.GetRequiredService<RecommendationJob>().RunAsync(CancellationToken.None);
        var segment = await Build.SegmentAsync("Recommendation audience", [buyer[0], newcomer[0]]);
        var template = await Build.TemplateAsync("Picked for you", html: RecommendationsHtml);
        var campaignId = await Build.ScheduledCampaignAsync("Picked for you", segment, template);

        await DrainAsync(campaignId, studio.App.Clock);

        var mail = studio.Smtp.MessagesOf(campaignId).ToDictionary(m => m.To.Mailboxes.Single().Address, m => ListItems(m.HtmlBody ?? ""));
        mail.Count.ShouldBe(2);
        mail["camper0@example.com"].ShouldBe(["Sleeping bag", "Lantern", "Socks"]);
        mail["newcomer0@example.com"].ShouldBe(["Socks", "Mug", "Cap"]);
    }

    [Fact]
    public async Task TheTemplatePreviewShowsTheCustomersRecommendations()
    {
        var buyer = await Build.CustomersAsync("previewer", 1, optedIn: 1);
        var others = await Build.CustomersAsync("preview-shopper", 4, optedIn: 0);
        await PurchasesAsync(buyer[0], "Kayak");
        foreach (var other in others)
        {
            await PurchasesAsync(other, "Kayak", "Paddle");
        }

        await Services.GetRequiredService<RecommendationJob>().RunAsync(CancellationToken.None);
        await using var scope = Services.CreateAsyncScope();
        SignIn(scope);
        var preview = await scope.ServiceProvider.GetRequiredService<CampaignStudio.Web.Features.Campaigns.Templates.TemplateService>()
            .PreviewAsync(new CampaignStudio.Messaging.Templates.TemplateSource("Hi", null, RecommendationsHtml, null), buyer[0], null);

        ListItems(preview.Message!.Html).First().ShouldBe("Paddle");
    }

    [Fact]
    public async Task EachRecipientIsMailedAtTheirBestHourAndNotBefore()
    {
        // 00:30 UTC two days ahead: nobody's best hour is the current one, and the sent mails do not count as "sent in the last hour" for other tests.
        var start = Now.Date.AddDays(2).AddMinutes(30);
        var clock = new ManualClock(start);
        var ids = await Build.CustomersAsync("night-owl", 3, optedIn: 3);
        await OpensAsync(ids[0], hour: 20);
        await OpensAsync(ids[1], hour: 7);
        await OpensAsync(ids[2], hour: 16);
        var campaignId = await BestHourCampaignAsync("Best hour", ids, deliverAtBestHour: true);

        await ActivatorUtilities.CreateInstance<CampaignLauncher>(Services, clock).LaunchAsync(campaignId, CancellationToken.None);

        await using var scope = Services.CreateAsyncScope();
        var expected = await scope.ServiceProvider.GetRequiredService<SendTimeService>().NextBestSendTimesAsync(ids, start);
        expected.Values.Select(t => t.Hour).Order().ShouldBe([7, 16, 20]);
        var messages = await MessagesAsync(campaignId);
        messages.ShouldAllBe(m => m.Status == MessageStatus.Queued && m.NextAttemptAt == expected[m.CustomerId]);

        var progress = await SignIn(scope).ProgressAsync(campaignId);
        progress!.WaitingForTheirHour.ShouldBe(3);
        progress.NextDelivery.ShouldBe(expected.Values.Min());
        progress.LastDelivery.ShouldBe(expected.Values.Max());

        await using var sender = ActivatorUtilities.CreateInstance<CampaignSender>(Services, clock);
        foreach (var due in expected.Values.Distinct().Order())
        {
            // A minute before the hour nothing new goes out and the campaign is not completed early.
            clock.Now = due.AddMinutes(-1);
            await SendAllDueAsync(sender);
            (await MessagesAsync(campaignId)).Where(m => m.Status == MessageStatus.Sent).Select(m => m.CustomerId).Order()
                .ShouldBe(expected.Where(e => e.Value < due).Select(e => e.Key).Order());
            (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Sending);

            clock.Now = due;
            await SendAllDueAsync(sender);
            (await MessagesAsync(campaignId)).Where(m => m.Status == MessageStatus.Sent).Select(m => m.CustomerId).Order()
                .ShouldBe(expected.Where(e => e.Value <= due).Select(e => e.Key).Order());
        }

        (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Completed);
        (await MessagesAsync(campaignId)).ShouldAllBe(m => m.SentAt == expected[m.CustomerId]);
        studio.Smtp.MessagesOf(campaignId).Count.ShouldBe(3);
    }

    [Fact]
    public async Task WithoutTheOptionEveryoneIsMailedAtOnce()
    {
        var start = Now.Date.AddDays(3).AddMinutes(30);
        var clock = new ManualClock(start);
        var ids = await Build.CustomersAsync("at-once", 2, optedIn: 2);
        await OpensAsync(ids[0], hour: 20);
        var campaignId = await BestHourCampaignAsync("At once", ids, deliverAtBestHour: false);

        await ActivatorUtilities.CreateInstance<CampaignLauncher>(Services, clock).LaunchAsync(campaignId, CancellationToken.None);
        (await MessagesAsync(campaignId)).ShouldAllBe(m => m.NextAttemptAt == null);
        await using var sender = ActivatorUtilities.CreateInstance<CampaignSender>(Services, clock);
        await SendAllDueAsync(sender);

        (await MessagesAsync(campaignId)).ShouldAllBe(m => m.Status == MessageStatus.Sent && m.SentAt == start);
        (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Completed);
    }

    [Fact]
    public async Task TheReviewShowsDeliveryHoursAndHidesHoursWithFewerThanKRecipients()
    {
        var ids = await Build.CustomersAsync("review-hours", 3, optedIn: 3);
        await OpensAsync(ids[0], hour: 9);
        await OpensAsync(ids[1], hour: 9);
        await OpensAsync(ids[2], hour: 18);
        var segment = await Build.SegmentAsync("Review hours", ids);
        var template = await Build.TemplateAsync("Review hours");
        var store = Services.GetRequiredService<PrivacySettingsStore>();
        await store.SaveAsync(new PrivacySettings(MinGroupSize: 2));
        try
        {
            await using var scope = Services.CreateAsyncScope();
            var start = Now.AddDays(1).Date;
            var review = await SignIn(scope).ReviewAsync(new CampaignDraft
            {
                Name = "Review hours", SegmentId = segment, TemplateId = template, DeliverAtBestHour = true,
                Schedule = ScheduleKind.Later, LocalSendTime = start, TimeZoneId = "UTC",
            });

            var hours = review.DeliveryHours!;
            hours.Recipients.ShouldBe(3);
            hours.MinGroupSize.ShouldBe(2);
            hours.ByHour[9].ShouldBe(2);
            hours.ByHour[18].ShouldBeNull(); // one recipient: below k
            hours.ByHour.Where((_, h) => h is not 9).ShouldAllBe(n => n == null || n == 0);
        }
        finally
        {
            await store.SaveAsync(new PrivacySettings());
        }
    }

    private static List<string> ListItems(string html) => [.. ListItemPattern().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    [GeneratedRegex("<li>(.*?)</li>")]
    private static partial Regex ListItemPattern();

    private async Task PurchasesAsync(long customerId, params string[] products)
    {
        await using var db = await Db.CreateDbContextAsync();
        var at = Now.AddDays(-30);
        foreach (var product in products)
        {
            at = at.AddDays(1);
            db.Purchases.Add(new Purchase
            {
                CustomerId = customerId, Product = product, Category = "Outdoor", Amount = 10, PurchasedAt = at,
                SourceKey = $"{customerId}-{product}",
            });
        }

        await db.SaveChangesAsync();
    }

    /// <summary>Opens at one hour of the day on each of the last 21 days: a habit strong enough to beat everyone's average.</summary>
    private async Task OpensAsync(long customerId, int hour)
    {
        await using var db = await Db.CreateDbContextAsync();
        var day = Now.Date.AddDays(-21);
        for (var i = 0; i < 21; i++)
        {
            db.CustomerEvents.Add(new CustomerEvent
            {
                CustomerId = customerId, Type = EventTypes.EmailOpen, OccurredAt = day.AddDays(i).AddHours(hour).AddMinutes(5),
                SourceKey = $"open-{customerId}-{i}",
            });
        }

        await db.SaveChangesAsync();
        Services.GetRequiredService<SendTimePopulation>().Reset();
    }

    private async Task<int> BestHourCampaignAsync(string name, IReadOnlyList<long> ids, bool deliverAtBestHour)
    {
        var segment = await Build.SegmentAsync(name, ids);
        var template = await Build.TemplateAsync(name);
        var campaignId = await Build.ScheduledCampaignAsync(name, segment, template);
        await using var db = await Db.CreateDbContextAsync();
        await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeliverAtBestHour, deliverAtBestHour));
        return campaignId;
    }

    private async Task<List<Message>> MessagesAsync(int campaignId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId).ToListAsync();
    }

    private async Task<CampaignStatus> StatusAsync(int campaignId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Status).SingleAsync();
    }

    private static async Task SendAllDueAsync(CampaignSender sender)
    {
        for (var pass = 0; pass < 20 && await sender.RunOnceAsync(CancellationToken.None); pass++)
        {
        }
    }

    private async Task DrainAsync(int campaignId, TimeProvider clock)
    {
        await ActivatorUtilities.CreateInstance<CampaignLauncher>(Services, clock).LaunchAsync(campaignId, CancellationToken.None);
        await using var sender = ActivatorUtilities.CreateInstance<CampaignSender>(Services, clock);
        await SendAllDueAsync(sender);
        (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Completed);
    }

    private static CampaignService SignIn(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
        return scope.ServiceProvider.GetRequiredService<CampaignService>();
    }

    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class ManualClock(DateTime now) : TimeProvider
    {
        public DateTime Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(Now, DateTimeKind.Utc));
    }

    public sealed class OnSqlite(SqliteSmtpStudio studio) : PersonalizedSendTests(studio), IClassFixture<SqliteSmtpStudio>;

    public sealed class OnPostgres(PostgresSmtpStudio studio) : PersonalizedSendTests(studio), IClassFixture<PostgresSmtpStudio>;
}
