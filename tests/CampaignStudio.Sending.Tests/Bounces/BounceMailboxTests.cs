using CampaignStudio.Data;
using CampaignStudio.Data.Bounces;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace CampaignStudio.Sending.Tests.Bounces;

/// <summary>
/// Campaigns sent through the real pipeline to a real SMTP server, then bounces and complaints for those very messages
/// dropped into a real IMAP mailbox (dovecot) and read by the bounce worker.
/// </summary>
public sealed class BounceMailboxTests(BounceHost host) : IClassFixture<BounceHost>
{
    private IServiceProvider Services => host.Services;

    private IDbContextFactory<AppDbContext> Db => host.Db;

    private CampaignTestBuilder Build => new(Services);

    private BounceMailboxWorker Worker => Services.GetRequiredService<BounceMailboxWorker>();

    [Fact]
    public async Task EachMessageGoesOutWithItsOwnSignedReturnAddress()
    {
        var (campaignId, sent) = await SendAsync("verp", 3);

        var returnAddresses = (await Services.GetRequiredService<BounceMailboxStore>().ReturnAddressesAsync())!;
        await using var db = await Db.CreateDbContextAsync();
        var ledger = await db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId).ToDictionaryAsync(m => m.MessageIdHeader!, m => m.Id);
        foreach (var message in sent)
        {
            var returnPath = message.Headers[HeaderId.ReturnPath]!.Trim('<', '>');
            returnPath.ShouldStartWith("bounces+");
            returnPath.ShouldEndWith("@bounce.shop.example");
            returnAddresses.TryFind(returnPath, out var id).ShouldBeTrue();
            id.ShouldBe(ledger[message.MessageId!]);
            message.From.Mailboxes.Single().Address.ShouldBe("news@shop.example.com", "the From header stays the shop's");
        }
    }

    [Fact]
    public async Task TenPercentHardBouncesAndHalfAPercentComplaintsAreAllSuppressedNothingLostCountsExact()
    {
        var (campaignId, sent) = await SendAsync("pipeline", 200);
        var bouncing = sent.Where((_, i) => i % 10 == 3).ToList();
        var complaining = sent[7];
        var drops = bouncing.Select(m => BounceDrops.For("postfix-unknown-user.eml", m)).ToList();
        drops.Add(BounceDrops.For("arf-complaint.eml", complaining));
        drops.Add(BounceDrops.For("out-of-office.eml", sent[8]));
        var before = await host.Imap.CountsAsync();
        await host.Imap.DeliverAsync(drops);

        var pass = await Worker.RunOnceAsync(CancellationToken.None);

        pass.ShouldBe(new MailboxPass(Read: 22, Recorded: 22, AlreadyRecorded: 0, Suppressed: 21, NotUnderstood: 1));
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await CampaignDeliveryCounts.ForAsync(db, campaignId)).ShouldBe(new DeliveryCounts(Sent: 200, HardBounced: 20, SoftBounced: 0, Complained: 1));
            var bounced = await CustomersOf(db, bouncing);
            bounced.ShouldAllBe(c => c.EmailConsent == ConsentStatus.Bounced);
            (await CustomersOf(db, [complaining])).Single().EmailConsent.ShouldBe(ConsentStatus.Complained);
            (await db.Customers.CountAsync(c => c.Email!.StartsWith("pipeline") && c.EmailConsent == ConsentStatus.OptedIn)).ShouldBe(179);

            var evidence = await db.ConsentRecords.AsNoTracking().Where(r => r.CampaignId == campaignId && r.BounceEventId != null).ToListAsync();
            evidence.Count.ShouldBe(21);
            evidence.Count(r => r.Status == ConsentStatus.Bounced && r.Source == ConsentSource.Bounce && r.Note!.Contains("5.1.1")).ShouldBe(20);
            evidence.Single(r => r.Status == ConsentStatus.Complained).Source.ShouldBe(ConsentSource.ComplaintReport);
            var complaint = await db.BounceEvents.AsNoTracking().SingleAsync(e => e.CampaignId == campaignId && e.Kind == BounceKind.Complaint);
            complaint.Evidence!.ShouldContain("Feedback-Type: abuse");
            (await db.BounceEvents.CountAsync(e => e.Kind == BounceKind.NotUnderstood && e.CampaignId == campaignId)).ShouldBe(1);
        }

        var after = await host.Imap.CountsAsync();
        after["INBOX"].ShouldBe(0);
        (after[BounceMailboxReader.ProcessedFolder] - before.GetValueOrDefault(BounceMailboxReader.ProcessedFolder)).ShouldBe(21);
        (after[BounceMailboxReader.NotUnderstoodFolder] - before.GetValueOrDefault(BounceMailboxReader.NotUnderstoodFolder)).ShouldBe(1, "kept for a person, never lost");

        // A crash after recording but before moving leaves the mails in the inbox: read again, nothing counts twice.
        await host.Imap.DeliverAsync(drops);
        var again = await Worker.RunOnceAsync(CancellationToken.None);

        again.ShouldBe(new MailboxPass(Read: 22, Recorded: 0, AlreadyRecorded: 22, Suppressed: 0, NotUnderstood: 1));
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await CampaignDeliveryCounts.ForAsync(db, campaignId)).ShouldBe(new DeliveryCounts(200, 20, 0, 1));
            (await db.ConsentRecords.CountAsync(r => r.CampaignId == campaignId && r.BounceEventId != null)).ShouldBe(21);
            (await db.BounceEvents.CountAsync(e => e.CampaignId == campaignId)).ShouldBe(22);
        }
    }

    [Fact]
    public async Task TheSameCampaignMidSendPausesItselfAtTheComplaintLimitLosesNothingAndAResumeSendsTheRest()
    {
        // The complaint limit is the default (0.3 % from 1,000 delivered); the hard-bounce limit is raised above this test's
        // 10 % so that the complaint rule is the one that pauses (a 10 % hard-bounce list would trip the 5 % default first).
        var limits = AutomaticPauseLimits.Default with { HardBounceRate = 0.15 };
        var store = Services.GetRequiredService<AutomaticPauseStore>();
        await store.SaveAsync(limits);
        try
        {
            const string prefix = "midsend";
            var ids = await Build.CustomersAsync(prefix, 1_400, optedIn: 1_400);
            var campaignId = await Build.ScheduledCampaignAsync(prefix, await Build.SegmentAsync(prefix, ids), await Build.TemplateAsync(prefix));
            await Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single().StartDueCampaignsAsync(CancellationToken.None);
            var sender = Services.GetRequiredService<CampaignSender>();
            for (var batch = 0; batch < 6; batch++)
            {
                (await sender.RunOnceAsync(CancellationToken.None)).ShouldBeTrue();
            }

            (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Sending, "1,200 sent, nothing came back yet");
            var sent = SentInOrder(campaignId, prefix);
            sent.Count.ShouldBe(1_200);

            // 10 % hard bounces (real postfix DSNs) and 0.5 % complaints (ARF) of what has gone out so far.
            var bouncing = sent.Where((_, i) => i % 10 == 3).ToList();
            var complaining = sent.Where((_, i) => i % 200 == 7).ToList();
            await host.Imap.DeliverAsync([.. bouncing.Select(m => BounceDrops.For("postfix-unknown-user.eml", m)), .. complaining.Select(m => BounceDrops.For("arf-complaint.eml", m))]);

            var pass = await Worker.RunOnceAsync(CancellationToken.None);

            pass.Suppressed.ShouldBe(126);
            var paused = await CampaignAsync(campaignId);
            paused.Status.ShouldBe(CampaignStatus.Paused);
            paused.IsAutoPaused.ShouldBeTrue();
            paused.AutoPauseReason.ShouldBe(AutomaticPause.Reason(AutomaticPauseCause.Complaints, limits));
            await using (var db = await Db.CreateDbContextAsync())
            {
                (await CampaignDeliveryCounts.ForAsync(db, campaignId)).ShouldBe(new DeliveryCounts(Sent: 1_200, HardBounced: 120, SoftBounced: 0, Complained: 6));
                (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)).ShouldBe(200, "the rest waits, none dropped");
                (await CustomersOf(db, bouncing)).ShouldAllBe(c => c.EmailConsent == ConsentStatus.Bounced);
                (await CustomersOf(db, complaining)).ShouldAllBe(c => c.EmailConsent == ConsentStatus.Complained);
            }

            // Paused: the worker sends nothing until a marketer decides.
            (await sender.RunOnceAsync(CancellationToken.None)).ShouldBeFalse();
            host.Smtp.MessagesOf(campaignId).Count.ShouldBe(1_200);

            await using (var db = await Db.CreateDbContextAsync())
            {
                (await AutomaticPauses.ResumeAsync(db, campaignId, host.Clock.GetUtcNow().UtcDateTime)).ShouldBeTrue();
            }

            await SendPasses.DrainAsync(Services, campaignId);

            var done = await CampaignAsync(campaignId);
            done.Status.ShouldBe(CampaignStatus.Completed, "the limits now count only the mail sent after the resume: the rest went out");
            done.AutoPausedAt.ShouldBe(paused.AutoPausedAt, "the automatic pause stays on record");
            var all = host.Smtp.MessagesOf(campaignId).Select(m => m.To.Mailboxes.Single().Address).ToList();
            all.Count.ShouldBe(1_400);
            all.Distinct().Count().ShouldBe(1_400, "each customer got the campaign once: nothing lost, nothing twice");
            await using (var db = await Db.CreateDbContextAsync())
            {
                (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent)).ShouldBe(1_400);
            }
        }
        finally
        {
            await store.SaveAsync(AutomaticPauseLimits.Default);
        }
    }

    [Fact]
    public async Task HardBouncesRecordedBeforeTheMinimumPauseTheCampaignWhenTheWorkerSendsPastIt()
    {
        // The defaults: 5 % hard bounces, from 500 sent.
        const string prefix = "hardmin";
        var ids = await Build.CustomersAsync(prefix, 800, optedIn: 800);
        var campaignId = await Build.ScheduledCampaignAsync(prefix, await Build.SegmentAsync(prefix, ids), await Build.TemplateAsync(prefix));
        await Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single().StartDueCampaignsAsync(CancellationToken.None);
        var sender = Services.GetRequiredService<CampaignSender>();
        (await sender.RunOnceAsync(CancellationToken.None)).ShouldBeTrue();
        (await sender.RunOnceAsync(CancellationToken.None)).ShouldBeTrue();
        var sent = SentInOrder(campaignId, prefix);
        await host.Imap.DeliverAsync(sent.Where((_, i) => i % 10 == 1).Select(m => BounceDrops.For("postfix-unknown-user.eml", m)));

        await Worker.RunOnceAsync(CancellationToken.None);

        (await StatusAsync(campaignId)).ShouldBe(CampaignStatus.Sending, "40 of 400 is 10 %, but 400 sent is below the 500 the rule waits for");

        (await sender.RunOnceAsync(CancellationToken.None)).ShouldBeTrue();

        var paused = await CampaignAsync(campaignId);
        paused.Status.ShouldBe(CampaignStatus.Paused, "600 sent, 40 hard bounces: 6.7 %");
        paused.AutoPauseReason.ShouldBe(AutomaticPause.Reason(AutomaticPauseCause.HardBounces, AutomaticPauseLimits.Default));
        await using var db = await Db.CreateDbContextAsync();
        (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent)).ShouldBe(600);
        (await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Queued)).ShouldBe(200);
    }

    [Fact]
    public async Task EveryShapeOfTheCorpusIsRecordedAsItsKindAndTiedToItsMessage()
    {
        var (campaignId, sent) = await SendAsync("shapes", 5);
        string[] files = ["exchange-recipient-not-found.eml", "gmail-mailbox-full.eml", "qmail-no-mailbox.eml", "arf-complaint.eml", "postfix-no-return-address.eml"];
        await host.Imap.DeliverAsync(files.Select((f, i) => BounceDrops.For(f, sent[i])));

        await Worker.RunOnceAsync(CancellationToken.None);

        await using var db = await Db.CreateDbContextAsync();
        var ledger = await db.Messages.AsNoTracking().Where(m => m.CampaignId == campaignId).ToDictionaryAsync(m => m.MessageIdHeader!, m => m.Id);
        var events = await db.BounceEvents.AsNoTracking().Where(e => e.CampaignId == campaignId).ToDictionaryAsync(e => e.MessageId!.Value);
        events.Count.ShouldBe(5);
        Event(0).Kind.ShouldBe(BounceKind.Hard);
        Event(0).StatusCode.ShouldBe("5.1.10");
        Event(1).Kind.ShouldBe(BounceKind.Soft);
        Event(1).Outcome.ShouldBe("Soft bounce 1 of 3 within 30 days: not suppressed yet.");
        Event(2).Kind.ShouldBe(BounceKind.Hard);
        Event(3).Kind.ShouldBe(BounceKind.Complaint);
        Event(4).Kind.ShouldBe(BounceKind.Hard);
        Event(4).MatchedBy.ShouldBe(BounceMatch.OriginalHeaders, "postfix had no return address to bounce to; the quoted headers name the message");
        events.Values.Where(e => e.MessageId != ledger[sent[4].MessageId!]).ShouldAllBe(e => e.MatchedBy == BounceMatch.ReturnAddress);
        (await CustomersOf(db, [sent[1]])).Single().EmailConsent.ShouldBe(ConsentStatus.OptedIn, "one soft bounce suppresses nothing");

        BounceEvent Event(int i) => events[ledger[sent[i].MessageId!]];
    }

    [Fact]
    public async Task ThreeSoftBouncesWithinThirtyDaysSuppressAndAMarketerMayLiftThatButNotAHardBounce()
    {
        var (_, sent) = await SendAsync("soft", 3);
        var ledger = Services.GetRequiredService<ConsentLedger>();
        long softId;
        await using (var db = await Db.CreateDbContextAsync())
        {
            softId = (await CustomersOf(db, [sent[0]])).Single().Id;
            var windowId = (await CustomersOf(db, [sent[1]])).Single().Id;
            foreach (var id in new[] { softId, windowId })
            {
                (await ledger.RecordAsync(new ConsentChange(id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", WordingVersion: "signup-v3"))).Recorded.ShouldBeTrue();
            }
        }

        var now = host.Clock.GetUtcNow();
        await host.Imap.DeliverAsync([
            BounceDrops.For("gmail-mailbox-full.eml", sent[0], now.AddDays(-20)),
            BounceDrops.For("gmail-mailbox-full.eml", sent[0], now.AddDays(-10)),
            BounceDrops.For("gmail-mailbox-full.eml", sent[0], now.AddMinutes(-5)),
            BounceDrops.For("gmail-mailbox-full.eml", sent[1], now.AddDays(-45)),
            BounceDrops.For("gmail-mailbox-full.eml", sent[1], now.AddDays(-10)),
            BounceDrops.For("gmail-mailbox-full.eml", sent[1], now.AddMinutes(-5)),
            BounceDrops.For("postfix-unknown-user.eml", sent[2]),
        ]);

        await Worker.RunOnceAsync(CancellationToken.None);

        var suppressions = Services.GetRequiredService<BounceSuppressions>();
        await using (var db = await Db.CreateDbContextAsync())
        {
            var customers = await CustomersOf(db, sent);
            customers[0].EmailConsent.ShouldBe(ConsentStatus.Bounced);
            customers[1].EmailConsent.ShouldBe(ConsentStatus.OptedIn, "the first of its soft bounces is older than 30 days");
            customers[2].EmailConsent.ShouldBe(ConsentStatus.Bounced);
        }

        var listed = (await suppressions.ListAsync()).Where(s => s.CustomerId == softId || s.Diagnostic?.Contains("unknown user", StringComparison.Ordinal) == true).ToList();
        var soft = listed.Single(s => s.CustomerId == softId);
        soft.Kind.ShouldBe(BounceKind.Soft);
        soft.StatusCode.ShouldBe("5.2.2");
        soft.CanBeLifted.ShouldBeTrue();
        var hard = listed.First(s => s.Kind == BounceKind.Hard);
        hard.CanBeLifted.ShouldBeFalse();

        (await suppressions.LiftAsync(hard.RecordId, "marketer@demo.local")).Lifted.ShouldBeFalse();
        var lifted = await suppressions.LiftAsync(soft.RecordId, "marketer@demo.local");

        lifted.ShouldBe(new LiftOutcome(true, ConsentStatus.OptedIn));
        await using (var db = await Db.CreateDbContextAsync())
        {
            var lift = await db.ConsentRecords.AsNoTracking().SingleAsync(r => r.LiftsRecordId == soft.RecordId);
            lift.Source.ShouldBe(ConsentSource.SuppressionLifted);
            lift.WordingVersion.ShouldBe("signup-v3", "the consent restored is the one the person gave");
            lift.Actor.ShouldBe("marketer@demo.local");
            (await db.ConsentRecords.CountAsync(r => r.CustomerId == softId)).ShouldBe(3, "the suppression stays in the log; the lift is a new row");
        }

        (await suppressions.LiftAsync(soft.RecordId, "marketer@demo.local")).Lifted.ShouldBeFalse("a lift is done once");
    }

    private List<MimeMessage> SentInOrder(int campaignId, string prefix) =>
        host.Smtp.MessagesOf(campaignId).OrderBy(m => int.Parse(m.To.Mailboxes.Single().Address[prefix.Length..].Split('@')[0],
            System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private async Task<Campaign> CampaignAsync(int id)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    private async Task<CampaignStatus> StatusAsync(int id) => (await CampaignAsync(id)).Status;

    private async Task<(int CampaignId, List<MimeMessage> Sent)> SendAsync(string prefix, int count)
    {
        var ids = await Build.CustomersAsync(prefix, count, optedIn: count);
        var campaignId = await Build.ScheduledCampaignAsync(prefix, await Build.SegmentAsync(prefix, ids), await Build.TemplateAsync(prefix));
        await SendPasses.DrainAsync(Services, campaignId);
        var sent = host.Smtp.MessagesOf(campaignId).OrderBy(m => int.Parse(m.To.Mailboxes.Single().Address[prefix.Length..].Split('@')[0],
            System.Globalization.CultureInfo.InvariantCulture)).ToList();
        sent.Count.ShouldBe(count);
        return (campaignId, sent);
    }

    private static async Task<List<Domain.Customers.Customer>> CustomersOf(AppDbContext db, IEnumerable<MimeMessage> messages)
    {
        var addresses = messages.Select(m => m.To.Mailboxes.Single().Address).ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => addresses.Contains(c.Email!)).ToListAsync();
        return addresses.Select(a => customers.Single(c => c.Email == a)).ToList();
    }
}
