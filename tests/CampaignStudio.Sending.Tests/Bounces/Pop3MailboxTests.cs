using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Bounces;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport.Bounces;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CampaignStudio.Sending.Tests.Bounces;

/// <summary>The send pipeline with a real SMTP server and the bounce mailbox read over POP3 from a real dovecot.</summary>
public sealed class Pop3BounceHost : SendingHost
{
    public DovecotServer Mailbox { get; } = new();

    public override async Task InitializeAsync()
    {
        await Mailbox.InitializeAsync();
        Mailbox.Pop3Port.ShouldBeGreaterThan(0, "install dovecot-pop3d: the POP3 tests need a real POP3 server");
        await base.InitializeAsync();
        await Services.GetRequiredService<BounceMailboxStore>().SaveAsync(new BounceMailboxSettings(DovecotServer.CorpusMailbox, "127.0.0.1",
            Mailbox.Pop3Port, MailboxSecurity.None, DovecotServer.User, MailboxProtocol.Pop3), DovecotServer.Password);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Mailbox.DisposeAsync();
    }
}

public sealed class Pop3MailboxTests(Pop3BounceHost host) : IClassFixture<Pop3BounceHost>
{
    private BounceMailboxWorker Worker => host.Services.GetRequiredService<BounceMailboxWorker>();

    [Fact]
    public async Task BouncesReadOverPop3AreRecordedThenDeletedAndMailNotUnderstoodStaysForAPerson()
    {
        var sent = await SendAsync("pop", 3);
        var left = await LeftInInboxAsync();
        await host.Mailbox.DeliverAsync([
            BounceDrops.For("postfix-unknown-user.eml", sent[0]), BounceDrops.For("arf-complaint.eml", sent[1]), BounceDrops.For("out-of-office.eml", sent[2])]);

        var first = await Worker.RunOnceAsync(CancellationToken.None);
        var second = await Worker.RunOnceAsync(CancellationToken.None);

        first.ShouldBe(new MailboxPass(Read: 3 + left, Recorded: 3, AlreadyRecorded: left, Suppressed: 2, NotUnderstood: 1 + left));
        second.ShouldBe(new MailboxPass(Read: 1 + left, Recorded: 0, AlreadyRecorded: 1 + left, Suppressed: 0, NotUnderstood: 1 + left),
            "only the unreadable mail is left, and it counts once");
        (await LeftInInboxAsync()).ShouldBe(1 + left);
        await using var db = await host.Db.CreateDbContextAsync();
        (await StatusOf(db, sent[0])).ShouldBe(ConsentStatus.Bounced);
        (await StatusOf(db, sent[1])).ShouldBe(ConsentStatus.Complained);
        (await StatusOf(db, sent[2])).ShouldBe(ConsentStatus.OptedIn);
    }

    [Fact]
    public async Task AMailRecordedBeforeACrashIsReadAgainCountedOnceAndOnlyThenDeleted()
    {
        var sent = await SendAsync("popcrash", 2);
        var drops = new[] { BounceDrops.For("postfix-unknown-user.eml", sent[0]), BounceDrops.For("postfix-unknown-user.eml", sent[1]) };
        var left = await LeftInInboxAsync();
        await host.Mailbox.DeliverAsync(drops);
        // The crash: the first mail was recorded, and the reader died before the POP3 session ended (nothing deleted).
        var returnAddresses = (await host.Services.GetRequiredService<BounceMailboxStore>().ReturnAddressesAsync())!;
        var ledger = host.Services.GetRequiredService<BounceLedger>();
        (await ledger.RecordAsync(BounceClassifier.Read(drops[0], returnAddresses), new BounceMail(drops[0].MessageId!, drops[0].Subject, null, host.Clock.GetUtcNow().UtcDateTime)))
            .IsNew.ShouldBeTrue();

        var pass = await Worker.RunOnceAsync(CancellationToken.None);

        pass.ShouldBe(new MailboxPass(Read: 2 + left, Recorded: 1, AlreadyRecorded: 1 + left, Suppressed: 1, NotUnderstood: left));
        (await LeftInInboxAsync()).ShouldBe(left, "both bounces deleted once recorded");
        await using var db = await host.Db.CreateDbContextAsync();
        (await db.BounceEvents.CountAsync(e => e.MailboxMessageId == drops[0].MessageId || e.MailboxMessageId == drops[1].MessageId)).ShouldBe(2);
        (await StatusOf(db, sent[0])).ShouldBe(ConsentStatus.Bounced);
        (await StatusOf(db, sent[1])).ShouldBe(ConsentStatus.Bounced);
    }

    /// <summary>Mail the studio could not read, left in the inbox by an earlier test of this class (POP3 has nowhere to move it).</summary>
    private async Task<int> LeftInInboxAsync() => (await host.Mailbox.CountsAsync())["INBOX"];

    private async Task<List<MimeMessage>> SendAsync(string prefix, int count)
    {
        var build = new CampaignTestBuilder(host.Services);
        var ids = await build.CustomersAsync(prefix, count, optedIn: count);
        var campaignId = await build.ScheduledCampaignAsync(prefix, await build.SegmentAsync(prefix, ids), await build.TemplateAsync(prefix));
        await SendPasses.DrainAsync(host.Services, campaignId);
        var sent = host.Smtp.MessagesOf(campaignId).OrderBy(m => int.Parse(m.To.Mailboxes.Single().Address[prefix.Length..].Split('@')[0],
            System.Globalization.CultureInfo.InvariantCulture)).ToList();
        sent.Count.ShouldBe(count);
        return sent;
    }

    private static async Task<ConsentStatus> StatusOf(Data.AppDbContext db, MimeMessage mail)
    {
        var address = mail.To.Mailboxes.Single().Address;
        return await db.Customers.Where(c => c.Email == address).Select(c => c.EmailConsent).SingleAsync();
    }
}
