using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Campaigns;

/// <summary>The automatic pause rule (pure): which limit, from when, and the defaults the issue states.</summary>
public sealed class AutomaticPauseRuleTests
{
    private static readonly AutomaticPauseLimits Defaults = AutomaticPauseLimits.Default;

    [Fact]
    public void TheDefaultsAreFivePercentHardBouncesFrom500SentAndThreeTenthsOfAPercentComplaintsFrom1000Delivered()
    {
        Defaults.ShouldBe(new AutomaticPauseLimits(0.05, 500, 0.003, 1_000));
        Defaults.Describe().ShouldBe("A sending campaign pauses itself when its hard bounces reach 5 % of sent mail (from 500 sent) " +
            "or its spam complaints reach 0.3 % of delivered mail (from 1,000 delivered).");
    }

    [Theory]
    [InlineData(499, 100, 0, 0, null)] // 20 % hard bounces, but before the minimum
    [InlineData(500, 24, 0, 0, null)] // 4.8 %
    [InlineData(500, 25, 0, 0, AutomaticPauseCause.HardBounces)] // exactly 5 %: reached
    [InlineData(1_100, 0, 100, 3, AutomaticPauseCause.Complaints)] // soft bounces are not delivered: 3 of 1,000 delivered
    [InlineData(1_000, 0, 1, 3, null)] // 999 delivered: before the complaint minimum
    [InlineData(1_000, 0, 0, 2, null)] // 0.2 %
    [InlineData(1_000, 0, 0, 3, AutomaticPauseCause.Complaints)] // 0.3 % of 1,000 delivered
    [InlineData(2_000, 100, 0, 30, AutomaticPauseCause.HardBounces)] // both: hard bounces are named first
    [InlineData(2_000, 99, 0, 30, AutomaticPauseCause.Complaints)] // 4.95 % hard; 30 of 1,901 delivered = 1.6 %
    [InlineData(0, 0, 0, 0, null)]
    public void ARuleAppliesFromItsMinimumAndPausesWhenItsRateIsReached(int sent, int hard, int soft, int complained, AutomaticPauseCause? expected)
    {
        AutomaticPause.Check(Defaults, sent, hard, soft, complained).ShouldBe(expected);
    }

    [Fact]
    public void TheReasonSaysWhichLimitInWordsWithoutCountingCustomers()
    {
        AutomaticPause.Reason(AutomaticPauseCause.Complaints, Defaults).ShouldStartWith(
            "Paused automatically: spam complaints reached 0.3 % of the mail delivered (the limit, from 1,000 delivered).");
        AutomaticPause.Reason(AutomaticPauseCause.HardBounces, Defaults with { HardBounceRate = 0.15 }).ShouldStartWith(
            "Paused automatically: hard bounces reached 15 % of the mail sent (the limit, from 500 sent).");
    }

    [Theory]
    [InlineData(0, 500, 0.003, 1000, "hard-bounce limit")]
    [InlineData(1.5, 500, 0.003, 1000, "hard-bounce limit")]
    [InlineData(0.05, 500, 0, 1000, "complaint limit")]
    [InlineData(0.05, 0, 0.003, 1000, "at least 1 sent")]
    [InlineData(0.05, 500, 0.003, 0, "at least 1 delivered")]
    public void LimitsOutOfRangeAreRefusedWithTheReason(double hardRate, int hardMinimum, double complaintRate, int complaintMinimum, string says)
    {
        new AutomaticPauseLimits(hardRate, hardMinimum, complaintRate, complaintMinimum).Problem!.ShouldContain(says);
    }
}

/// <summary>The automatic pause in the database: the guarded pause with its reason, the resume that starts counting anew, the stored limits.</summary>
public abstract class AutomaticPauseTests(string provider) : IAsyncLifetime
{
    private static readonly DateTime Now = FixedClock.Now;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task ASendingCampaignOverALimitPausesWithItsReasonAndAResumeCountsOnlyTheMailSentAfterIt()
    {
        var limits = new AutomaticPauseLimits(0.05, 100, 0.003, 1_000);
        var campaignId = await CampaignAsync(200, sentAt: Now.AddMinutes(-10));
        await MarkAsync(campaignId, 9, m => m.SetProperty(x => x.Bounce, BounceKind.Hard));

        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            (await AutomaticPauses.CheckAsync(db, campaignId, limits, Now)).ShouldBeNull("9 of 200 is 4.5 %");
        }

        await MarkAsync(campaignId, 10, m => m.SetProperty(x => x.Bounce, BounceKind.Hard));
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            (await AutomaticPauses.CheckAsync(db, campaignId, limits, Now)).ShouldBe(AutomaticPauseCause.HardBounces);
            (await AutomaticPauses.CheckAsync(db, campaignId, limits, Now)).ShouldBeNull("paused already: nothing more to do");
        }

        var paused = await CampaignOfAsync(campaignId);
        paused.Status.ShouldBe(CampaignStatus.Paused);
        paused.IsAutoPaused.ShouldBeTrue();
        paused.AutoPausedAt.ShouldBe(Now);
        paused.AutoPauseReason.ShouldBe(AutomaticPause.Reason(AutomaticPauseCause.HardBounces, limits));

        var resumedAt = Now.AddMinutes(5);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            (await AutomaticPauses.ResumeAsync(db, campaignId, resumedAt)).ShouldBeTrue();
            (await AutomaticPauses.CheckAsync(db, campaignId, limits, resumedAt)).ShouldBeNull("the marketer decided to go on: the earlier bounces are behind that decision");
        }

        var resumed = await CampaignOfAsync(campaignId);
        resumed.Status.ShouldBe(CampaignStatus.Sending);
        resumed.IsAutoPaused.ShouldBeFalse();
        resumed.HealthCountedFrom.ShouldBe(resumedAt);

        // 100 more sent after the resume, 5 of them bounce hard: 5 % of the mail since the resume.
        await AddMessagesAsync(campaignId, 100, sentAt: resumedAt.AddMinutes(1), hardBounces: 5);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            (await AutomaticPauses.CheckAsync(db, campaignId, limits, resumedAt.AddMinutes(2))).ShouldBe(AutomaticPauseCause.HardBounces);
        }
    }

    [Fact]
    public async Task AMarketersOwnPauseAndResumeDoNotResetTheCount()
    {
        var campaignId = await CampaignAsync(50, sentAt: Now.AddMinutes(-10));
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.Pause, CancellationToken.None)).ShouldBeTrue();
        (await AutomaticPauses.ResumeAsync(db, campaignId, Now)).ShouldBeTrue();

        var campaign = await CampaignOfAsync(campaignId);
        campaign.HealthCountedFrom.ShouldBeNull();
        campaign.AutoPausedAt.ShouldBeNull();
    }

    [Fact]
    public async Task ACompletedCampaignIsNeverPaused()
    {
        var campaignId = await CampaignAsync(200, sentAt: Now.AddMinutes(-10));
        await MarkAsync(campaignId, 100, m => m.SetProperty(x => x.Bounce, BounceKind.Hard));
        await using var db = await _db.Factory.CreateDbContextAsync();
        (await MessageLedger.CompleteIfDoneAsync(db, campaignId, Now)).ShouldBeTrue();

        (await AutomaticPauses.CheckAsync(db, campaignId, new AutomaticPauseLimits(0.05, 100, 0.003, 1_000), Now)).ShouldBeNull();
        (await CampaignOfAsync(campaignId)).Status.ShouldBe(CampaignStatus.Completed);
    }

    [Fact]
    public async Task TheLimitsAreTheDefaultsUntilSavedAndNonsenseIsRefused()
    {
        var store = new AutomaticPauseStore(_db.Factory, new FixedClock());
        (await store.GetAsync()).ShouldBe(AutomaticPauseLimits.Default);

        await store.SaveAsync(new AutomaticPauseLimits(0.02, 300, 0.001, 2_000));
        (await store.GetAsync()).ShouldBe(new AutomaticPauseLimits(0.02, 300, 0.001, 2_000));

        (await Should.ThrowAsync<ArgumentException>(() => store.SaveAsync(new AutomaticPauseLimits(0, 300, 0.001, 2_000)))).Message.ShouldContain("hard-bounce limit");
        (await store.GetAsync()).ShouldBe(new AutomaticPauseLimits(0.02, 300, 0.001, 2_000));
    }

    private async Task<int> CampaignAsync(int sent, DateTime sentAt)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var campaign = new Campaign { Name = "Health", CreatedBy = "test", CreatedAt = Now, LaunchedAt = Now };
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        await AddMessagesAsync(campaign.Id, sent, sentAt, hardBounces: 0);
        return campaign.Id;
    }

    private async Task AddMessagesAsync(int campaignId, int count, DateTime sentAt, int hardBounces)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var customers = Enumerable.Range(0, count).Select(i =>
        {
            var c = new Customer { CreatedAt = Now, UpdatedAt = Now };
            c.SetEmail($"health-{Guid.NewGuid():N}@example.com");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        db.Messages.AddRange(customers.Select((c, i) => new Message
        {
            CampaignId = campaignId, CustomerId = c.Id, Status = MessageStatus.Sent, QueuedAt = sentAt, SentAt = sentAt,
            Bounce = i < hardBounces ? BounceKind.Hard : null, BouncedAt = i < hardBounces ? sentAt : null,
        }));
        await db.SaveChangesAsync();
    }

    /// <summary>Marks the first <paramref name="count"/> unmarked sent messages.</summary>
    private async Task MarkAsync(int campaignId, int count, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Message>> set)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var ids = await db.Messages.Where(m => m.CampaignId == campaignId && m.Bounce == null && m.ComplainedAt == null).OrderBy(m => m.Id).Take(count).Select(m => m.Id).ToListAsync();
        await db.Messages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(set);
    }

    private async Task<Campaign> CampaignOfAsync(int id)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    public sealed class OnSqlite() : AutomaticPauseTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : AutomaticPauseTests(DatabaseProviders.Postgres);
}
