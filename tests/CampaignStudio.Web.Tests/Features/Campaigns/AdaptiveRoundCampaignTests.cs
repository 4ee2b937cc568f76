using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// An adaptive experiment launched by a campaign, through the real host, database and SMTP server: a later round's
/// customers are mailed on the same campaign with their arm's template, nobody of an earlier round twice; and the round
/// worker runs a due round by itself, once, however many passes or instances look.
/// </summary>
public abstract class AdaptiveRoundCampaignTests(SmtpStudio studio)
{
    public sealed class OnSqlite(SqliteSmtpStudio studio) : AdaptiveRoundCampaignTests(studio), IClassFixture<SqliteSmtpStudio>;

    public sealed class OnPostgres(PostgresSmtpStudio studio) : AdaptiveRoundCampaignTests(studio), IClassFixture<PostgresSmtpStudio>;

    private const int Rounds = 3;

    private static readonly TimeSpan Interval = TimeSpan.FromHours(24);

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private DateTime Now => studio.App.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task ASecondRoundIsMailedOnTheExperimentsCampaignWithEachArmsTemplateAndNobodyOfTheFirstRoundAgain()
    {
        var (experimentId, campaignId, emails) = await LaunchAdaptiveCampaignAsync("round2");
        var firstMail = studio.Smtp.MessagesOf(campaignId);
        firstMail.ShouldNotBeEmpty();
        var firstRecipients = firstMail.Select(m => m.To.Mailboxes.Single().Address).ToHashSet();

        studio.App.Clock.Advance(Interval + TimeSpan.FromMinutes(5));
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(Marketer);
        var rounds = scope.ServiceProvider.GetRequiredService<AdaptiveAllocationService>();
        var sent = await rounds.NextRoundAsync(experimentId);
        sent.Sent.ShouldNotBeNull(sent.Message);
        sent.Sent.Number.ShouldBe(1);
        sent.Message.ShouldContain("e-mails queued");

        // A second instance asking again, and the queue step run again, queue nobody twice.
        (await rounds.NextRoundAsync(experimentId)).Sent.ShouldBeNull();
        await using (var db = await Db.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            (await Services.GetRequiredService<CampaignLauncher>().QueueNextRoundAsync(db, experimentId, Now, CancellationToken.None)).ShouldBe(0);
            await tx.CommitAsync();
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Sending, "the finished campaign sends the new round");
        }

        await SendPasses.DrainAsync(Services, campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var round = await db.AllocationRounds.SingleAsync(r => r.ExperimentId == experimentId && r.Number == 1);
            var arms = await db.Variants.Where(v => v.ExperimentId == experimentId).ToDictionaryAsync(v => v.Id);
            var secondRound = await db.Assignments.Where(a => a.ExperimentId == experimentId && a.AssignedAt == round.TookEffectAt).ToListAsync();
            var mailedInRound2 = secondRound.Where(a => arms[a.VariantId].EmailTemplateId != null).ToDictionary(a => emails[a.CustomerId!.Value], a => arms[a.VariantId].Name);
            mailedInRound2.ShouldNotBeEmpty();
            secondRound.ShouldContain(a => arms[a.VariantId].EmailTemplateId == null, "the no-message control has round-2 customers too");

            var allMail = studio.Smtp.MessagesOf(campaignId);
            var secondMail = allMail.Where(m => !firstRecipients.Contains(m.To.Mailboxes.Single().Address)).ToList();
            allMail.Count.ShouldBe(firstMail.Count + mailedInRound2.Count, "round-1 recipients are not mailed again");
            allMail.GroupBy(m => m.To.Mailboxes.Single().Address).ShouldAllBe(g => g.Count() == 1);
            secondMail.Select(m => m.To.Mailboxes.Single().Address).Order().ShouldBe(mailedInRound2.Keys.Order());
            secondMail.ShouldAllBe(m => m.Subject == SubjectOf[mailedInRound2[m.To.Mailboxes.Single().Address]]);

            var campaign = await db.Campaigns.SingleAsync(c => c.Id == campaignId);
            campaign.Status.ShouldBe(CampaignStatus.Completed);
            (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent)).ShouldBe(allMail.Count);
        }
    }

    [Fact]
    public async Task TheRoundWorkerRunsADueRoundOnItsOwnNotBeforeTheIntervalAndOnceAcrossPassesAndInstances()
    {
        var (experimentId, campaignId, _) = await LaunchAdaptiveCampaignAsync("worker");
        var worker = Services.GetServices<IHostedService>().OfType<AdaptiveRoundWorker>().Single();
        var otherInstance = new AdaptiveRoundWorker(Services.GetRequiredService<AdaptiveRounds>(), new ClusterLeases(Db, studio.App.Clock), Db,
            Services.GetRequiredService<SendWorkerOptions>(), studio.App.Clock, NullLogger<AdaptiveRoundWorker>.Instance);
        DateTime started;
        await using (var db = await Db.CreateDbContextAsync())
        {
            started = (await db.Experiments.SingleAsync(e => e.Id == experimentId)).StartedAt!.Value;
        }

        // An hour before the interval has passed: no round.
        studio.App.Clock.Advance(started + Interval - TimeSpan.FromHours(1) - Now);
        await worker.RunDueRoundsAsync(CancellationToken.None);
        (await RoundsOfAsync(experimentId)).ShouldBe(0, "nothing logged before the interval");

        // After it: two instances at once, then another pass — exactly one round.
        studio.App.Clock.Advance(TimeSpan.FromHours(2));
        var passes = await Task.WhenAll(worker.RunDueRoundsAsync(CancellationToken.None), otherInstance.RunDueRoundsAsync(CancellationToken.None));

        // Passes count every experiment's rounds (the other test's experiment may be due too): this one's log says how many ran.
        passes.Sum().ShouldBeGreaterThanOrEqualTo(1);
        await worker.RunDueRoundsAsync(CancellationToken.None);
        (await RoundsOfAsync(experimentId)).ShouldBe(2, "the first round (logged as launched) and the one the worker ran");

        await using (var db = await Db.CreateDbContextAsync())
        {
            // The worker's round is mailed too: queued on the campaign, which sends again.
            var round = await db.AllocationRounds.SingleAsync(r => r.ExperimentId == experimentId && r.Number == 1);
            round.TookEffectAt.ShouldBeGreaterThanOrEqualTo(started + Interval);
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Sending);
            (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)).ShouldBeGreaterThan(0);
        }

        await SendPasses.DrainAsync(Services, campaignId);
    }

    private static readonly Dictionary<string, string> SubjectOf = new() { ["Plain"] = "News from the shop", ["20 % off"] = "20 % off for you" };

    private async Task<int> RoundsOfAsync(int experimentId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.AllocationRounds.CountAsync(r => r.ExperimentId == experimentId);
    }

    /// <summary>An adaptive 3-arm experiment (a no-message control, two mailed arms) launched by a campaign and sent: round 1 mailed.</summary>
    private async Task<(int ExperimentId, int CampaignId, Dictionary<long, string> Emails)> LaunchAdaptiveCampaignAsync(string prefix)
    {
        var ids = await Build.CustomersAsync(prefix, 150, optedIn: 140);
        var segment = await Build.SegmentAsync($"{prefix} audience", ids);
        var plain = await Build.TemplateAsync($"{prefix} plain", subject: SubjectOf["Plain"]);
        var discount = await Build.TemplateAsync($"{prefix} discount", subject: SubjectOf["20 % off"]);
        var experiment = new Experiment
        {
            Name = $"Adaptive {prefix}", AssignmentSalt = $"salt-{prefix}-{Guid.NewGuid():N}", CreatedBy = "test", CreatedAt = Now, Source = ExperimentSource.Campaign,
            AudienceSegmentId = segment, Allocation = Allocation.Adaptive, AllocationRounds = Rounds, RoundInterval = Interval, BurnInRounds = 1, FloorPerArm = 0.05,
            Variants =
            [
                new Variant { Name = "Control", IsControl = true, SortOrder = 0 },
                new Variant { Name = "Plain", EmailTemplateId = plain, SortOrder = 1 },
                new Variant { Name = "20 % off", EmailTemplateId = discount, SortOrder = 2 },
            ],
        };
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }

        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(Marketer);
        var campaigns = scope.ServiceProvider.GetRequiredService<CampaignService>();
        var option = (await campaigns.ChoicesAsync()).Experiments.Single(e => e.Id == experiment.Id);
        var launched = await campaigns.LaunchAsync(new CampaignDraft
        {
            Name = $"Adaptive {prefix}", SegmentId = segment, ExperimentId = experiment.Id, Variants = option.Variants,
            VariantTemplates = option.Variants.ToDictionary(v => v.Id, v => v.TemplateId),
        });
        launched.Problems.ShouldBeEmpty();
        var campaignId = launched.CampaignId!.Value;
        await SendPasses.DrainAsync(Services, campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            // Only round 1 is assigned at launch; the campaign is done with it.
            var assigned = await db.Assignments.CountAsync(a => a.ExperimentId == experiment.Id);
            assigned.ShouldBeInRange(20, 80);
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Completed);
            var emails = await db.Customers.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Email!);
            return (experiment.Id, campaignId, emails);
        }
    }

    private static ClaimsPrincipal Marketer => new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test"));
}
