using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows.Tests.Support;
using MathNet.Numerics.Distributions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Flows.Tests;

/// <summary>The flow engine with the send pipeline on a real SQLite file, mail to a real SMTP server, on the studio clock.</summary>
public sealed class FlowEngineTests : IAsyncLifetime
{
    private FlowHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private async Task RestartAtAsync(DateTimeOffset start)
    {
        await _host.DisposeAsync();
        _host = new FlowHost().StartingAt(start);
        await _host.InitializeAsync();
    }

    private static FlowDefinition OnEvent(string type, params FlowStep[] steps) => new() { Trigger = new EventTrigger(new EventMatch(type)), Steps = steps };

    private static SendEmailStep Send(string id, int holdout = 0) => new(id, 1) { HoldoutPercent = holdout };

    [Fact]
    public async Task AnOrderBeforeTheSecondReminderTakesTheCustomerOutAndTheReminderIsNotSent()
    {
        var flow = await _host.Build.FlowAsync("Cart", OnEvent("cart_abandoned",
                new WaitStep("wait-1h", 60), Send("first"), new WaitStep("wait-1d", 24 * 60), Send("second")) with
            {
                Goal = new FlowGoal(new EventMatch(EventMatch.Purchase)),
            });
        var (buyer, other) = (await _host.Build.CustomersAsync("cart", 2)) is [var a, var b] ? (a, b) : default;
        await _host.Build.EventsAsync([buyer, other], "cart_abandoned");
        await _host.RunEngineAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(61));
        await _host.RunEngineAsync();
        await _host.SendAllAsync();
        _host.Smtp.MessagesOf(flow.Campaigns["first"]).Count.ShouldBe(2);

        // The order arrives as an imported purchase, before the second reminder is due.
        await _host.Build.PurchaseAsync(buyer);
        _host.Clock.Advance(TimeSpan.FromDays(1));
        await _host.RunEngineAsync();
        await _host.SendAllAsync();

        await using var db = await _host.Db.CreateDbContextAsync();
        var trips = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flow.Id).ToDictionaryAsync(e => e.CustomerId);
        trips[buyer].State.ShouldBe(FlowEnrollmentState.Exited);
        trips[buyer].ExitReason.ShouldBe(FlowExitReason.Goal);
        trips[other].State.ShouldBe(FlowEnrollmentState.Finished);
        (await db.Messages.Where(m => m.CampaignId == flow.Campaigns["second"]).Select(m => m.CustomerId).ToListAsync()).ShouldBe([other]);
        _host.Smtp.MessagesOf(flow.Campaigns["second"]).Count.ShouldBe(1);
        (await db.FlowStepVisits.AnyAsync(v => v.CustomerId == buyer && v.StepId == "wait-1d" && v.Outcome == FlowStepOutcome.Exited)).ShouldBeTrue();
        (await db.Campaigns.Where(c => c.FlowId == flow.Id).Select(c => c.Status).ToListAsync()).ShouldAllBe(s => s == CampaignStatus.Sending);
    }

    [Fact]
    public async Task TheFrequencyCapCountsMailFromCampaignsAndOtherFlows()
    {
        await _host.Services.GetRequiredService<SendingRulesStore>().SaveAsync(new SendingRules(1, 3, null, null, "UTC"));
        var welcome = await _host.Build.FlowAsync("Welcome", OnEvent("signed_up", Send("hello")));
        var tips = await _host.Build.FlowAsync("Tips", OnEvent("signed_up", Send("tip")));
        var ids = await _host.Build.CustomersAsync("cap", 2);
        var (mailedByCampaign, fresh) = (ids[0], ids[1]);
        var newsletter = await NewsletterAsync(mailedByCampaign, MessageStatus.Sent, _host.Clock.GetUtcNow().UtcDateTime.AddHours(-2));

        await _host.Build.EventsAsync(ids, "signed_up");
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var visits = await db.FlowStepVisits.AsNoTracking().ToListAsync();
            // The newsletter two hours ago used up the customer's one mail a day: both flows skip them.
            visits.Where(v => v.CustomerId == mailedByCampaign).ShouldAllBe(v => v.Outcome == FlowStepOutcome.Skipped && v.Note!.StartsWith("Frequency cap"));
            // The fresh customer gets the first flow's mail; the second flow's mail would be the second today.
            visits.Where(v => v.CustomerId == fresh).Select(v => v.Outcome).OrderBy(o => o).ShouldBe([FlowStepOutcome.Sent, FlowStepOutcome.Skipped]);
            (await db.Messages.CountAsync(m => m.CustomerId == fresh && (m.CampaignId == welcome.Campaigns["hello"] || m.CampaignId == tips.Campaigns["tip"]))).ShouldBe(1);
        }

        // A campaign mail for the fresh customer queued while the flow mail is out: at send time the cap suppresses it.
        await _host.SendAllAsync();
        var late = await NewsletterAsync(fresh, MessageStatus.Queued, null);
        await _host.SendAllAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        var message = await check.Messages.SingleAsync(m => m.CampaignId == late);
        message.Status.ShouldBe(MessageStatus.Suppressed);
        message.Error!.ShouldStartWith("Frequency cap: 1 mails in the last 24 hours");
        _host.Smtp.MessagesOf(late).ShouldBeEmpty();
        newsletter.ShouldBeGreaterThan(0);
    }

    /// <summary>A plain campaign (no flow) with one message for the customer.</summary>
    private async Task<int> NewsletterAsync(long customerId, MessageStatus status, DateTime? sentAt)
    {
        await using var db = await _host.Db.CreateDbContextAsync();
        var now = _host.Clock.GetUtcNow().UtcDateTime;
        var template = new EmailTemplate { Name = "News", Subject = "News", HtmlBody = TestSupport.Web.CampaignTestBuilder.Html, CreatedBy = "test", CreatedAt = now, UpdatedAt = now };
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync();
        var campaign = new Campaign { Name = "Newsletter", EmailTemplateId = template.Id, CreatedBy = "test", CreatedAt = now, LaunchedAt = now };
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        db.Messages.Add(new Message { CampaignId = campaign.Id, CustomerId = customerId, Status = status, QueuedAt = sentAt ?? now, SentAt = sentAt });
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    [Fact]
    public async Task TheHoldoutIsTheStatedShareDrawnTheSameWayEveryTime()
    {
        const int customers = 2_000;
        const double share = 0.10;
        var flow = await _host.Build.FlowAsync("Welcome", OnEvent("signed_up", Send("welcome", holdout: 10)));
        var ids = await _host.Build.CustomersAsync("hold", customers);
        await _host.Build.EventsAsync(ids, "signed_up");
        await _host.RunEngineAsync();

        await using var db = await _host.Db.CreateDbContextAsync();
        var visits = await db.FlowStepVisits.AsNoTracking().Where(v => v.FlowId == flow.Id).ToListAsync();
        visits.Count.ShouldBe(customers);
        var heldOut = visits.Where(v => v.Outcome == FlowStepOutcome.HeldOut).Select(v => v.CustomerId).ToHashSet();
        var (low, high) = BinomialInterval(share, customers, 0.999);
        heldOut.Count.ShouldBeInRange(low, high);
        (await db.Messages.CountAsync(m => m.CampaignId == flow.Campaigns["welcome"])).ShouldBe(customers - heldOut.Count);

        // Deterministic: the same draw, recomputed, holds out exactly the same customers.
        heldOut.ShouldBe(ids.Where(id => FlowDraws.IsHeldOut(flow.Id, "welcome", id, 1, 10)).ToHashSet(), ignoreOrder: true);
    }

    [Fact]
    public async Task AStepThatCostsOrdersAgainstItsHoldoutPausesItselfAndPassesCustomersByUntilResumed()
    {
        var flow = await _host.Build.FlowAsync("Cart", OnEvent("cart_abandoned", Send("reminder", holdout: 20)));
        var ids = await _host.Build.CustomersAsync("harm", 300);
        await _host.Build.EventsAsync(ids, "cart_abandoned");
        await _host.RunEngineAsync();
        (await _host.Engine.CheckStepHealthAsync(default)).ShouldBe(0, "nobody has converted on either side yet: not clear");

        // Half of the held-out customers order within the window, none of the mailed: the mail costs orders.
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var heldOut = await db.FlowStepVisits.Where(v => v.FlowId == flow.Id && v.Outcome == FlowStepOutcome.HeldOut).Select(v => v.CustomerId).ToListAsync();
            heldOut.Count.ShouldBeGreaterThan(30);
            _host.Clock.Advance(TimeSpan.FromHours(1));
            foreach (var id in heldOut.Where((_, i) => i % 2 == 0))
            {
                await _host.Build.PurchaseAsync(id);
            }
        }

        (await _host.Engine.CheckStepHealthAsync(default)).ShouldBe(1);
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == flow.Campaigns["reminder"]);
            campaign.Status.ShouldBe(CampaignStatus.Paused);
            campaign.AutoPauseReason.ShouldNotBeNull().ShouldContain("convert less than the holdout");
        }

        // A customer reaching the paused step is passed by: no mail and no draw either way.
        var late = (await _host.Build.CustomersAsync("late", 1))[0];
        await _host.Build.EventAsync(late, "cart_abandoned");
        await _host.RunEngineAsync();
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var visit = await db.FlowStepVisits.AsNoTracking().SingleAsync(v => v.CustomerId == late);
            visit.Outcome.ShouldBe(FlowStepOutcome.Skipped);
            visit.Note.ShouldNotBeNull().ShouldStartWith(FlowEngine.PausedStepNote);
            (await db.Messages.AnyAsync(m => m.CustomerId == late)).ShouldBeFalse();

            // A marketer resumes it: from then on only what happens since counts, so the same figures do not pause it again.
            await db.Campaigns.Where(c => c.Id == flow.Campaigns["reminder"]).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, CampaignStatus.Sending).SetProperty(c => c.HealthCountedFrom, _host.Clock.GetUtcNow().UtcDateTime));
        }

        (await _host.Engine.CheckStepHealthAsync(default)).ShouldBe(0);
    }

    [Fact]
    public async Task ARandomSplitSendsArmsInProportionToTheirWeights()
    {
        const int customers = 2_000;
        var flow = await _host.Build.FlowAsync("Split", OnEvent("signed_up",
            new RandomSplitStep("split", [new FlowArm("Mail", 1) { Steps = [Send("offer")] }, new FlowArm("No message", 3)])));
        var ids = await _host.Build.CustomersAsync("split", customers);
        await _host.Build.EventsAsync(ids, "signed_up");
        await _host.RunEngineAsync();

        await using var db = await _host.Db.CreateDbContextAsync();
        var branches = await db.FlowStepVisits.AsNoTracking().Where(v => v.FlowId == flow.Id && v.StepId == "split")
            .Select(v => new { v.CustomerId, v.Branch }).ToListAsync();
        branches.Count.ShouldBe(customers);
        var mailed = branches.Where(b => b.Branch == "Mail").Select(b => b.CustomerId).ToHashSet();
        var (low, high) = BinomialInterval(0.25, customers, 0.999);
        mailed.Count.ShouldBeInRange(low, high);
        (await db.Messages.Where(m => m.CampaignId == flow.Campaigns["offer"]).Select(m => m.CustomerId).ToListAsync()).ToHashSet().ShouldBe(mailed, ignoreOrder: true);
        (await db.FlowEnrollments.CountAsync(e => e.FlowId == flow.Id && e.State == FlowEnrollmentState.Finished)).ShouldBe(customers);
    }

    /// <summary>The central interval holding <paramref name="level"/> of Binomial(n, p), from MathNet's CDF.</summary>
    private static (int Low, int High) BinomialInterval(double p, int n, double level)
    {
        var tail = (1 - level) / 2;
        var low = Enumerable.Range(0, n + 1).First(k => Binomial.CDF(p, n, k) >= tail);
        var high = Enumerable.Range(0, n + 1).First(k => Binomial.CDF(p, n, k) >= 1 - tail);
        return (low, high);
    }

    [Fact]
    public async Task EnteringAgainAfterTheDaysOfTheEntryRuleIsASecondTripWithASecondMail()
    {
        var flow = await _host.Build.FlowAsync("Pricing", OnEvent("viewed_pricing", Send("nudge")) with { Entry = new FlowEntryRule { AgainAfterDays = 3 } });
        var customer = (await _host.Build.CustomersAsync("again", 1))[0];
        await _host.Build.EventAsync(customer, "viewed_pricing");
        await _host.RunEngineAsync();
        _host.Clock.Advance(TimeSpan.FromDays(1));
        await _host.Build.EventAsync(customer, "viewed_pricing");
        await _host.RunEngineAsync();
        _host.Clock.Advance(TimeSpan.FromDays(3));
        await _host.Build.EventAsync(customer, "viewed_pricing");
        await _host.RunEngineAsync();
        await _host.SendAllAsync();

        await using var db = await _host.Db.CreateDbContextAsync();
        (await db.FlowEnrollments.Where(e => e.FlowId == flow.Id).OrderBy(e => e.EntryNumber).Select(e => e.EntryNumber).ToListAsync()).ShouldBe([1, 2]);
        var messages = await db.Messages.Where(m => m.CampaignId == flow.Campaigns["nudge"]).OrderBy(m => m.EntryNumber).ToListAsync();
        messages.Select(m => m.EntryNumber).ShouldBe([1, 2]);
        messages.ShouldAllBe(m => m.Status == MessageStatus.Sent);
        _host.Smtp.MessagesOf(flow.Campaigns["nudge"]).Count.ShouldBe(2);
    }

    [Fact]
    public async Task AWaitForAnEventTakesTheHappenedBranchWhenAMatchingEventComesAndTheTimedOutBranchOtherwise()
    {
        var flow = await _host.Build.FlowAsync("Checkout", OnEvent("checkout_started",
            new WaitForEventStep("paid?", new EventMatch("payment_done") { Filters = [new PropertyFilter("total", PropertyOperator.GreaterThan) { Value = "10" }] }, 60)
            {
                Happened = [Send("thanks")],
                TimedOut = [Send("help")],
            }));
        var ids = await _host.Build.CustomersAsync("wait", 3);
        var (paid, silent, small) = (ids[0], ids[1], ids[2]);
        await _host.Build.EventsAsync(ids, "checkout_started");
        await _host.RunEngineAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(10));
        await _host.Build.EventAsync(paid, "payment_done", """{"total": 20.5}""");
        await _host.Build.EventAsync(small, "payment_done", """{"total": 5}""");
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            (await db.Messages.Where(m => m.CampaignId == flow.Campaigns["thanks"]).Select(m => m.CustomerId).ToListAsync()).ShouldBe([paid]);
            (await db.Messages.AnyAsync(m => m.CampaignId == flow.Campaigns["help"])).ShouldBeFalse("nobody timed out yet");
        }

        _host.Clock.Advance(TimeSpan.FromMinutes(51));
        await _host.RunEngineAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        (await check.Messages.Where(m => m.CampaignId == flow.Campaigns["help"]).Select(m => m.CustomerId).OrderBy(c => c).ToListAsync()).ShouldBe(new[] { silent, small }.Order().ToList());
        var branches = await check.FlowStepVisits.Where(v => v.StepId == "paid?").ToDictionaryAsync(v => v.CustomerId, v => v.Branch);
        branches[paid].ShouldBe(FlowEngine.Happened);
        branches[silent].ShouldBe(FlowEngine.TimedOut);
        branches[small].ShouldBe(FlowEngine.TimedOut);
    }

    [Fact]
    public async Task AWaitUntilNineInTheMorningEndsAtNineLocalTimeAcrossTheSpringForward()
    {
        // Saturday 28 March 2026, 18:00 UTC: Berlin springs forward that night, New York already did on 8 March.
        await RestartAtAsync(new DateTimeOffset(2026, 3, 28, 18, 0, 0, TimeSpan.Zero));
        var flow = await _host.Build.FlowAsync("Morning", OnEvent("signed_up", new WaitUntilTimeStep("nine", "09:00"), Send("hello")));
        var ids = await _host.Build.CustomersAsync("tz", 2);
        var (berlin, newYork) = (ids[0], ids[1]);
        await _host.Build.SetTimeZoneAsync(berlin, "Europe/Berlin");
        await _host.Build.SetTimeZoneAsync(newYork, "America/New_York");
        await _host.Build.EventsAsync(ids, "signed_up");
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var due = await db.FlowEnrollments.Where(e => e.FlowId == flow.Id).ToDictionaryAsync(e => e.CustomerId, e => e.DueAt);
            due[berlin].ShouldBe(new DateTime(2026, 3, 29, 7, 0, 0));
            due[newYork].ShouldBe(new DateTime(2026, 3, 29, 13, 0, 0));
        }

        // 09:01 summer time in Berlin (07:01 UTC): Berlin's mail goes, New York's waits for its own morning.
        _host.Clock.MoveBy(new DateTime(2026, 3, 29, 7, 1, 0, DateTimeKind.Utc) - new DateTime(2026, 3, 28, 18, 0, 0, DateTimeKind.Utc));
        await _host.RunEngineAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        (await check.Messages.Where(m => m.CampaignId == flow.Campaigns["hello"]).Select(m => m.CustomerId).ToListAsync()).ShouldBe([berlin]);
    }

    [Fact]
    public async Task QuietHoursHoldTheMailUntilTheyEndInTheCustomersTime()
    {
        // Monday 15 June 2026, 20:00 UTC = 22:00 in Berlin, inside quiet hours 21:00–08:00.
        await RestartAtAsync(new DateTimeOffset(2026, 6, 15, 20, 0, 0, TimeSpan.Zero));
        await _host.Services.GetRequiredService<SendingRulesStore>().SaveAsync(new SendingRules(null, null, new TimeOnly(21, 0), new TimeOnly(8, 0), "Europe/Berlin"));
        var flow = await _host.Build.FlowAsync("Late", OnEvent("signed_up", Send("hello")));
        var customer = (await _host.Build.CustomersAsync("quiet", 1))[0];
        await _host.Build.EventAsync(customer, "signed_up");
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            (await db.Messages.AnyAsync(m => m.CampaignId == flow.Campaigns["hello"])).ShouldBeFalse();
            (await db.FlowEnrollments.SingleAsync(e => e.FlowId == flow.Id)).DueAt.ShouldBe(new DateTime(2026, 6, 16, 6, 0, 0));
        }

        _host.Clock.Advance(TimeSpan.FromHours(10));
        await _host.RunEngineAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        (await check.Messages.CountAsync(m => m.CampaignId == flow.Campaigns["hello"])).ShouldBe(1);
    }

    [Fact]
    public async Task OnlyCustomersWhoJoinTheSegmentAfterTheFlowWentLiveEnterUnlessCurrentMembersAreIncluded()
    {
        var ids = await _host.Build.CustomersAsync("segment", 3);
        var segment = await new TestSupport.Web.CampaignTestBuilder(_host.Db, _host.Clock).SegmentAsync("Lapsed", ids.Take(2));
        var newcomers = await _host.Build.FlowAsync("Win-back", new FlowDefinition { Trigger = new SegmentEntryTrigger(segment), Steps = [Send("miss-you")] });
        var everyone = await _host.Build.FlowAsync("Win-back all", new FlowDefinition
        {
            Trigger = new SegmentEntryTrigger(segment) { IncludeCurrentMembers = true }, Steps = [Send("miss-you-all")],
        });
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            (await db.FlowEnrollments.CountAsync(e => e.FlowId == newcomers.Id)).ShouldBe(0);
            (await db.FlowEnrollments.Where(e => e.FlowId == everyone.Id).Select(e => e.CustomerId).OrderBy(c => c).ToListAsync()).ShouldBe(ids.Take(2).Order().ToList());
            db.SegmentMembers.Add(new Domain.Segments.SegmentMember { SegmentId = segment, CustomerId = ids[2] });
            await db.SaveChangesAsync();
        }

        _host.Clock.Advance(TimeSpan.FromMinutes(6));
        await _host.RunEngineAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(6));
        await _host.RunEngineAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        (await check.Messages.Where(m => m.CampaignId == newcomers.Campaigns["miss-you"]).Select(m => m.CustomerId).ToListAsync()).ShouldBe([ids[2]]);
        (await check.FlowEnrollments.CountAsync(e => e.FlowId == everyone.Id)).ShouldBe(3, "each member enters once");
    }

    [Fact]
    public async Task ACustomerWhoCannotBeMailedIsSkippedAndLeavesTheFlow()
    {
        var flow = await _host.Build.FlowAsync("Consent", OnEvent("signed_up", Send("hello"), Send("again")));
        var customer = (await _host.Build.CustomersAsync("noconsent", 1, optedIn: 0))[0];
        await _host.Build.EventAsync(customer, "signed_up");
        await _host.RunEngineAsync();

        await using var db = await _host.Db.CreateDbContextAsync();
        var trip = await db.FlowEnrollments.SingleAsync(e => e.FlowId == flow.Id);
        trip.ExitReason.ShouldBe(FlowExitReason.NotMailable);
        var visit = await db.FlowStepVisits.SingleAsync(v => v.EnrollmentId == trip.Id);
        (visit.StepId, visit.Outcome, visit.Note).ShouldBe(("hello", FlowStepOutcome.Skipped, FlowEngine.NotMailableNote));
        (await db.Messages.AnyAsync(m => m.CustomerId == customer)).ShouldBeFalse();
    }

    [Fact]
    public async Task NobodyMovesInAPausedFlowAndEveryoneLeavesAnArchivedOne()
    {
        var flow = await _host.Build.FlowAsync("Paused", OnEvent("signed_up", new WaitStep("wait", 30), Send("hello")));
        var ids = await _host.Build.CustomersAsync("pause", 3);
        await _host.Build.EventsAsync(ids, "signed_up");
        await _host.RunEngineAsync();
        await SetStatusAsync(flow.Id, FlowStatus.Paused);
        _host.Clock.Advance(TimeSpan.FromHours(1));
        await _host.RunEngineAsync();

        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            (await db.Messages.AnyAsync(m => m.CampaignId == flow.Campaigns["hello"])).ShouldBeFalse();
            (await db.FlowEnrollments.Where(e => e.FlowId == flow.Id).Select(e => e.StepId).ToListAsync()).ShouldAllBe(s => s == "wait");
        }

        await SetStatusAsync(flow.Id, FlowStatus.Archived);
        await _host.RunEngineAsync();
        await using var check = await _host.Db.CreateDbContextAsync();
        (await check.FlowEnrollments.Where(e => e.FlowId == flow.Id).Select(e => e.ExitReason).ToListAsync()).ShouldAllBe(r => r == FlowExitReason.FlowArchived);
        (await check.Messages.AnyAsync(m => m.CampaignId == flow.Campaigns["hello"])).ShouldBeFalse();
    }

    private async Task SetStatusAsync(int flowId, FlowStatus status)
    {
        await using var db = await _host.Db.CreateDbContextAsync();
        await db.Flows.Where(f => f.Id == flowId).ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, status));
    }
}
