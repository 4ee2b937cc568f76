using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Sending.Tests.Experiments;

/// <summary>
/// A winner rollout through the real pipeline (database, SMTP server, the studio's clock moved past the wait): the test share
/// is mailed at launch, the rest nothing; after the wait the worker decides once — however many instances look — and the rest
/// receives the winner when it clearly beats the control, else the control, with the sentence saying which and why. Consent,
/// the long-term holdout and "nobody twice" hold for the rest too.
/// </summary>
public abstract class WinnerRolloutTests(SendingHost host)
{
    public sealed class OnSqlite(SqliteSendingHost host) : WinnerRolloutTests(host), IClassFixture<SqliteSendingHost>;

    public sealed class OnPostgres(PostgresSendingHost host) : WinnerRolloutTests(host), IClassFixture<PostgresSendingHost>;

    private const string PlainSubject = "News from the shop";
    private const string DiscountSubject = "20 % off for you";
    private static readonly TimeSpan Wait = TimeSpan.FromHours(24);

    private IServiceProvider Services => host.Services;

    private IDbContextFactory<AppDbContext> Db => host.Db;

    private CampaignTestBuilder Build => new(Services);

    private DateTime Now => host.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task TheRestReceivesTheWinnerWhenItClearlyBeatsTheControlDecidedOnceAcrossInstances()
    {
        var test = await LaunchTestAsync("clear");

        // Clicks as the outcome job measures them: the discount clearly better (60 % against 5 %).
        await MeasureClicksAsync(test.ExperimentId, ("20 % off", 0.6), ("Plain", 0.05));

        // A rest customer withdraws consent during the wait: consent still applies to the rest.
        var leaving = test.Rest.First(id => !test.Holdout.Contains(id));
        await using (var db = await Db.CreateDbContextAsync())
        {
            var c = await db.Customers.SingleAsync(x => x.Id == leaving);
            c.EmailConsent = ConsentStatus.OptedOut;
            await db.SaveChangesAsync();
        }

        // Before the wait is over nothing is decided.
        host.Clock.Advance(Wait - TimeSpan.FromHours(1));
        (await Worker.RunDueAsync(CancellationToken.None)).ShouldBe(0);

        host.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5));
        var other = new WinnerRolloutWorker(Services.GetRequiredService<WinnerRollouts>(), new ClusterLeases(Db, host.Clock),
            Services.GetRequiredService<SendWorkerOptions>(), host.Clock, NullLogger<WinnerRolloutWorker>.Instance);
        var passes = await Task.WhenAll(Worker.RunDueAsync(CancellationToken.None), other.RunDueAsync(CancellationToken.None));
        passes.Sum().ShouldBe(1, "two instances at once decide once");
        (await Worker.RunDueAsync(CancellationToken.None)).ShouldBe(0, "a later pass finds it decided");
        (await Services.GetRequiredService<WinnerRollouts>().DecideAsync(test.ExperimentId)).ShouldBeNull("asking directly again decides nothing");

        await SendPasses.DrainAsync(Services, test.CampaignId);

        Experiment experiment;
        await using (var db = await Db.CreateDbContextAsync())
        {
            experiment = await db.Experiments.Include(e => e.Variants).SingleAsync(e => e.Id == test.ExperimentId);
            (await db.Campaigns.SingleAsync(c => c.Id == test.CampaignId)).Status.ShouldBe(CampaignStatus.Completed);
            (await db.Messages.SingleAsync(m => m.CampaignId == test.CampaignId && m.CustomerId == leaving)).Status.ShouldBe(MessageStatus.Suppressed);
        }

        experiment.Variants.Single(v => v.Id == experiment.RolloutWinnerVariantId).Name.ShouldBe("20 % off");
        experiment.RolloutDecision.ShouldNotBeNull();
        experiment.RolloutDecision.ShouldStartWith("“20 % off” won: it has the highest chance to be best");
        experiment.RolloutDecision.ShouldContain("beats the control with 95.0 % confidence");

        var mail = MailByAddress(test.CampaignId);
        mail.Count.ShouldBe(host.Smtp.MessagesOf(test.CampaignId).Count, "nobody is mailed twice");
        var expectedRest = test.Rest.Where(id => id != leaving && !test.Holdout.Contains(id)).ToList();
        expectedRest.Count.ShouldBeGreaterThan(100);
        foreach (var id in expectedRest)
        {
            mail[test.Emails[id]].ShouldBe(DiscountSubject);
        }

        mail.Count.ShouldBe(test.MailedInTest + expectedRest.Count);
        test.Holdout.ShouldAllBe(id => !mail.ContainsKey(test.Emails[id]), "the long-term holdout gets nothing, in the test or the rest");
        mail.ShouldNotContainKey(test.Emails[leaving]);
    }

    [Fact]
    public async Task WithoutAClearWinnerTheRestReceivesTheControlAndTheDecisionSaysWhy()
    {
        var test = await LaunchTestAsync("unclear");
        // The discount leads (25 % against 10 %) but on about 36 customers an arm its always-valid interval (half-width ≈ 0.27) includes zero.
        await MeasureClicksAsync(test.ExperimentId, ("20 % off", 0.25), ("Plain", 0.10));

        host.Clock.Advance(Wait + TimeSpan.FromMinutes(5));
        (await Worker.RunDueAsync(CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(1);
        await SendPasses.DrainAsync(Services, test.CampaignId);

        await using var db = await Db.CreateDbContextAsync();
        var experiment = await db.Experiments.Include(e => e.Variants).SingleAsync(e => e.Id == test.ExperimentId);
        experiment.Variants.Single(v => v.Id == experiment.RolloutWinnerVariantId).Name.ShouldBe("Plain");
        experiment.RolloutDecision.ShouldNotBeNull();
        experiment.RolloutDecision.ShouldStartWith("No clear winner: “20 % off” has the highest chance to be best");
        experiment.RolloutDecision.ShouldContain("does not beat the control with 95.0 % confidence");
        experiment.RolloutDecision.ShouldContain("so the rest receive “Plain”");

        var mail = MailByAddress(test.CampaignId);
        var expectedRest = test.Rest.Where(id => !test.Holdout.Contains(id)).ToList();
        expectedRest.ShouldAllBe(id => mail[test.Emails[id]] == PlainSubject);
        mail.Count.ShouldBe(test.MailedInTest + expectedRest.Count);
        (await db.Messages.CountAsync(m => m.CampaignId == test.CampaignId && m.Status == MessageStatus.Sent)).ShouldBe(mail.Count);
    }

    private WinnerRolloutWorker Worker => Services.GetRequiredService<WinnerRolloutWorker>();

    /// <summary>Address → subject of every mail of the campaign; throws if an address got two.</summary>
    private Dictionary<string, string> MailByAddress(int campaignId) =>
        host.Smtp.MessagesOf(campaignId).ToDictionary(m => m.To.Mailboxes.Single().Address, m => m.Subject ?? "");

    private sealed record LaunchedTest(int ExperimentId, int CampaignId, Dictionary<long, string> Emails, List<long> Rest, HashSet<long> Holdout, int MailedInTest);

    /// <summary>
    /// 300 opted-in customers; a control "Plain" and "20 % off", both mailed, a 20 % long-term holdout; 30 % tested, 24 hours'
    /// wait, 95 % confidence, clicks. Launched and sent: only test customers of the mailed arms get mail.
    /// </summary>
    private async Task<LaunchedTest> LaunchTestAsync(string prefix)
    {
        var ids = await Build.CustomersAsync(prefix, 300, optedIn: 300);
        var segment = await Build.SegmentAsync($"{prefix} audience", ids);
        var plain = await Build.TemplateAsync($"{prefix} plain", subject: PlainSubject);
        var discount = await Build.TemplateAsync($"{prefix} discount", subject: DiscountSubject);
        var experiment = new Experiment
        {
            Name = $"Rollout {prefix}", AssignmentSalt = $"salt-{prefix}-{Guid.NewGuid():N}", CreatedBy = "test", CreatedAt = Now, Source = ExperimentSource.Campaign,
            AudienceSegmentId = segment, PrimaryMetric = PrimaryMetric.Click, HoldoutShare = 0.2,
            RolloutTestShare = 0.3, RolloutWait = Wait, RolloutConfidence = 0.95,
            Variants =
            [
                new Variant { Name = "Plain", IsControl = true, EmailTemplateId = plain, SortOrder = 0 },
                new Variant { Name = "20 % off", EmailTemplateId = discount, SortOrder = 1 },
                new Variant { Name = "Long-term holdout", IsHoldout = true, Weight = 0.5, SortOrder = 2 },
            ],
        };
        int campaignId;
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
            var campaign = new Campaign { Name = $"Rollout {prefix}", SegmentId = segment, ExperimentId = experiment.Id, ScheduledAt = Now, CreatedBy = "test", CreatedAt = Now };
            campaign.MoveTo(CampaignStatus.Scheduled);
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            campaignId = campaign.Id;
        }

        await SendPasses.DrainAsync(Services, campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var emails = await db.Customers.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Email!);
            var inTest = ids.Where(id => WinnerRollout.InTest(experiment.AssignmentSalt, id, 0.3)).ToHashSet();
            var assigned = await db.Assignments.Where(a => a.ExperimentId == experiment.Id).ToDictionaryAsync(a => a.CustomerId!.Value, a => a.VariantId);
            assigned.Keys.ToHashSet().SetEquals(inTest).ShouldBeTrue("only the test share is assigned at launch");
            var holdoutArm = experiment.Variants.Single(v => v.IsHoldout).Id;

            // The holdout of the rest is the customers the same pick would put in the holdout.
            var picker = await ArmPicker.LoadAsync(db, experiment.Id);
            var holdout = ids.Where(id => assigned.TryGetValue(id, out var arm) ? arm == holdoutArm : picker.Pick(id).IsHoldout).ToHashSet();
            holdout.Count.ShouldBeGreaterThan(20);

            var mailed = MailByAddress(campaignId);
            var mailedInTest = inTest.Count(id => !holdout.Contains(id));
            mailed.Count.ShouldBe(mailedInTest, "only the test's mailed arms are mailed at launch");
            (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).Status.ShouldBe(CampaignStatus.Completed, "the test is sent; the rest waits");
            (await db.Experiments.SingleAsync(e => e.Id == experiment.Id)).RolloutDecidedAt.ShouldBeNull();
            return new LaunchedTest(experiment.Id, campaignId, emails, [.. ids.Where(id => !inTest.Contains(id))], holdout, mailedInTest);
        }
    }

    /// <summary>Marks the given share of each arm's customers as having clicked (in id order, so the share is exact).</summary>
    private async Task MeasureClicksAsync(int experimentId, params (string Arm, double Share)[] arms)
    {
        await using var db = await Db.CreateDbContextAsync();
        foreach (var (arm, share) in arms)
        {
            var variant = await db.Variants.SingleAsync(v => v.ExperimentId == experimentId && v.Name == arm);
            var rows = await db.Assignments.Where(a => a.ExperimentId == experimentId && a.VariantId == variant.Id).OrderBy(a => a.CustomerId).ToListAsync();
            var clicked = (int)Math.Round(rows.Count * share);
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].Clicked = i < clicked;
            }
        }

        await db.SaveChangesAsync();
    }
}
