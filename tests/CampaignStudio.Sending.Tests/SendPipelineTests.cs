using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CampaignStudio.Sending.Tests;

/// <summary>
/// The send pipeline on its own (no web host), a real database (a SQLite file, or PostgreSQL) and a real SMTP server
/// (aiosmtpd). The background worker is off so each test drives launch and send passes itself and sees what each pass did.
/// </summary>
public abstract class SendPipelineTests(SendingHost host)
{
    public sealed class OnSqlite(SqliteSendingHost host) : SendPipelineTests(host), IClassFixture<SqliteSendingHost>;

    public sealed class OnPostgres(PostgresSendingHost host) : SendPipelineTests(host), IClassFixture<PostgresSendingHost>;

    /// <summary>A template that parses but runs away: two loops of 10,000 are 100 million steps.</summary>
    private const string RunawayHtml = "<p>Hi</p>{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}";

    private IServiceProvider Services => host.Services;

    private IDbContextFactory<AppDbContext> Db => host.Db;

    private CampaignTestBuilder Build => new(Services);

    [Fact]
    public void ThePipelineRunsOnTheFixedDay()
    {
        var clock = Services.GetRequiredService<TimeProvider>();

        clock.ShouldBeSameAs(host.Clock);
        clock.GetUtcNow().ShouldBeGreaterThanOrEqualTo(StudioClock.DefaultStart);
        clock.GetUtcNow().ShouldBeLessThan(StudioClock.DefaultStart.AddHours(1), "the clock runs at the real pace from the fixed day");
    }

    [Fact]
    public async Task ACustomerWhoOptsOutAfterLaunchIsSuppressedAtSendTime()
    {
        var ids = await Build.CustomersAsync("late", 8, optedIn: 8);
        var campaignId = await Build.ScheduledCampaignAsync("Late opt-out", await Build.SegmentAsync("Late audience", ids), await Build.TemplateAsync("Late mail"));
        await Worker.StartDueCampaignsAsync(CancellationToken.None);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)).ShouldBe(8);
            var leaving = await db.Customers.Where(c => c.Id == ids[1] || c.Id == ids[6]).ToListAsync();
            leaving.ForEach(c => c.EmailConsent = ConsentStatus.OptedOut);
            await db.SaveChangesAsync();
        }

        await DrainAsync(campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var rows = await db.Messages.Where(m => m.CampaignId == campaignId).ToDictionaryAsync(m => m.CustomerId, m => m.Status);
            rows[ids[1]].ShouldBe(MessageStatus.Suppressed);
            rows[ids[6]].ShouldBe(MessageStatus.Suppressed);
            rows.Values.Count(s => s == MessageStatus.Sent).ShouldBe(6);
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Completed);
        }

        var to = host.Smtp.MessagesOf(campaignId).Select(m => m.To.Mailboxes.Single().Address).ToList();
        to.Count.ShouldBe(6);
        to.ShouldNotContain("late1@example.com");
        to.ShouldNotContain("late6@example.com");
    }

    [Fact]
    public async Task ATemplateEditedOverTheLimitsAfterLaunchFailsEachMessageWithTheReasonAndTheWorkerCarriesOn()
    {
        var ids = await Build.CustomersAsync("edited", 3, optedIn: 3);
        var segment = await Build.SegmentAsync("Edited audience", ids);
        var template = await Build.TemplateAsync("Edited while sending");
        var campaignId = await Build.ScheduledCampaignAsync("Edited while sending", segment, template);
        await Worker.StartDueCampaignsAsync(CancellationToken.None);
        await using (var db = await Db.CreateDbContextAsync())
        {
            await db.EmailTemplates.Where(t => t.Id == template).ExecuteUpdateAsync(s => s.SetProperty(t => t.HtmlBody, RunawayHtml));
        }

        await DrainAsync(campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var messages = await db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId).ToListAsync();
            messages.Count.ShouldBe(3);
            messages.ShouldAllBe(m => m.Status == MessageStatus.Failed
                && m.Error!.EndsWith("The template takes more than 100,000 steps for one message; a loop runs too often.", StringComparison.Ordinal));
        }

        host.Smtp.MessagesOf(campaignId).ShouldBeEmpty();

        // The worker goes on with the next campaign.
        var next = await Build.ScheduledCampaignAsync("After the runaway", await Build.SegmentAsync("Next audience", ids), await Build.TemplateAsync("Good again"));
        await DrainAsync(next);
        host.Smtp.MessagesOf(next).Count.ShouldBe(3);
    }

    private CampaignSendWorker Worker => Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single();

    private Task DrainAsync(int campaignId) => SendPasses.DrainAsync(Services, campaignId);
}
