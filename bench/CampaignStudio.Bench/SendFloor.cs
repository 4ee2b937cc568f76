using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Sending.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace CampaignStudio.Bench;

/// <summary>
/// Issue 17's floor for the send comparison: the CPU a message of each step the studio must do and the bare loop does not,
/// each alone on one thread over the same campaign's messages (no parallel sends, no contention): lease, the recipients'
/// read (consent re-check, merge data), Fluid rendering (with the message's links minted), the link rewrite, MimeKit
/// building the message, writing it to a null stream, and recording the results in the ledger (groups of 32, as the
/// outcome recorder commits at the default window). The transport's own CPU is the compare's "transport alone" side.
/// </summary>
internal static class SendFloor
{
    private const string Owner = "floor";

    /// <summary>Pure CPU steps are repeated over the messages until they have used this much CPU, so a step is not a few clock ticks.</summary>
    private static readonly TimeSpan MinCpu = TimeSpan.FromMilliseconds(400);

    public static async Task<SendFloorResult> MeasureAsync(IDbContextFactory<AppDbContext> factory, CampaignLauncher launcher, SenderIdentityStore senders,
        ClickKeyStore clickKeys, RecommendationLists recommendations, int firstCampaign, CancellationToken ct)
    {
        var renderer = new TemplateRenderer();
        var builder = new MessageBuilder(TimeProvider.System);
        var tokens = new SignedTokenService(Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create("bench"), TimeProvider.System);
        var campaignId = await DkimBenchmark.CopyCampaignAsync(factory, firstCampaign, ct);
        await launcher.LaunchAsync(campaignId, ct);
        var identity = await senders.GetAsync(ct);
        var clicks = await clickKeys.GetAsync(ct);
        var sender = new Messaging.Mime.SenderIdentity(identity.FromName, identity.FromAddress, null, identity.ReplyTo);

        // Lease: the pipeline's batch of 200.
        var leased = new List<LeasedMessage>();
        var cpu = CpuClock.Now();
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            IReadOnlyList<LeasedMessage> batch;
            while ((batch = await MessageLedger.LeaseAsync(db, campaignId, Owner, 200, DateTime.UtcNow, TimeSpan.FromMinutes(30), ct)).Count > 0)
            {
                leased.AddRange(batch);
            }
        }

        var lease = CpuClock.Since(cpu);

        // Recipients: the consent re-check and merge data, a batch of 200 at a time.
        var recipients = new Dictionary<long, RecipientData>();
        cpu = CpuClock.Now();
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            foreach (var chunk in leased.Chunk(200))
            {
                foreach (var (id, recipient) in await RecipientLoader.LoadAsync(db, chunk.Select(m => m.CustomerId).ToList(), onlyMailable: true, recommendations, ct))
                {
                    recipients[id] = recipient;
                }
            }
        }

        var read = CpuClock.Since(cpu);
        leased.RemoveAll(m => !recipients.ContainsKey(m.CustomerId));

        CompiledTemplate template;
        CampaignData campaignData;
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            var campaign = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId, ct);
            var source = await db.EmailTemplates.AsNoTracking().SingleAsync(t => t.Id == campaign.EmailTemplateId, ct);
            template = renderer.Compile(TemplateSource.From(source)).Template ?? throw new InvalidOperationException("The bench template does not compile.");
            campaignData = new CampaignData(campaign.Id, campaign.Name, campaign.DiscountTier)
            {
                Collections = await recommendations.CollectionsAsync(MergeFieldAnalyzer.FindCollections(template), ct),
            };
        }

        // As the send phase does: the message's links minted, then Fluid with the studio's layout and footer, then the rewrite.
        var count = leased.Count;
        var links = leased.Select(m => tokens.LinksFor(m.Delivery, identity.PublicBaseUrl, clicks)).ToArray();
        RenderedMessage Render(int i) =>
            renderer.Render(template, recipients[leased[i].CustomerId], campaignData, new MessageFooter(links[i].UnsubscribeUrl, identity.PostalAddress));
        var rendered = Enumerable.Range(0, count).Select(Render).ToArray();
        byte[] Track(RenderedMessage content, int i) => LinkTracker.RewriteUtf8(content.Html, links[i]);
        MimeMessage Build(byte[] html, int i)
        {
            var recipient = recipients[leased[i].CustomerId];
            return builder.Build(rendered[i].Subject, rendered[i].Text, html,
                new MessageEnvelope(sender, recipient.Email, MessageEnvelope.NameOf(recipient), campaignId, leased[i].Id, links[i].UnsubscribeUrl));
        }

        // Each step's input is made first, untimed; the timed passes drop their results at once, as a send does after the wire.
        var tracked = Enumerable.Range(0, count).Select(i => Track(rendered[i], i)).ToArray();
        var messages = Enumerable.Range(0, count).Select(i => Build(tracked[i], i)).ToArray();
        var mint = Repeat(count, i => tokens.LinksFor(leased[i].Delivery, identity.PublicBaseUrl, clicks));
        var render = Repeat(count, Render);
        var rewrite = Repeat(count, i => Track(rendered[i], i));
        var build = Repeat(count, i => Build(tracked[i], i));
        var write = Repeat(count, i =>
        {
            messages[i].WriteTo(Stream.Null);
            return messages[i];
        });

        // Record: every message sent, committed 32 at a time on one open context, as the outcome recorder does.
        var now = DateTime.UtcNow;
        cpu = CpuClock.Now();
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            foreach (var group in leased.Chunk(32))
            {
                await MessageLedger.RecordAsync(db, Owner, group.Select(m => new MessageOutcome(m.Id, MessageStatus.Sent, SentAt: now, MessageIdHeader: $"<{m.Id}@floor>")).ToList(), ct);
            }
        }

        var record = CpuClock.Since(cpu);
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            await MessageLedger.CompleteIfDoneAsync(db, campaignId, DateTime.UtcNow, ct);
        }

        return new SendFloorResult(count, PerMessage(lease, count), PerMessage(read, count), mint, render, rewrite, build, write, PerMessage(record, count));
    }

    private static double PerMessage(TimeSpan cpu, int count) => cpu.TotalMicroseconds / count;

    /// <summary>CPU microseconds a message of <paramref name="step"/>, run over all messages as often as <see cref="MinCpu"/> needs.</summary>
    private static double Repeat<T>(int count, Func<int, T> step)
    {
        var passes = 0;
        var cpu = CpuClock.Now();
        do
        {
            for (var i = 0; i < count; i++)
            {
                GC.KeepAlive(step(i));
            }

            passes++;
        }
        while (CpuClock.Since(cpu) < MinCpu);

        return PerMessage(CpuClock.Since(cpu), count * passes);
    }
}

/// <summary>The process's CPU time with nanosecond resolution (<see cref="Process.TotalProcessorTime"/> counts 10 ms ticks on Linux).</summary>
internal static class CpuClock
{
    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID

    public static TimeSpan Now()
    {
        if (!OperatingSystem.IsLinux() || clock_gettime(ProcessCpuTime, out var spec) != 0)
        {
            return Process.GetCurrentProcess().TotalProcessorTime;
        }

        return TimeSpan.FromTicks(spec.Seconds * TimeSpan.TicksPerSecond + spec.Nanoseconds / 100);
    }

    public static TimeSpan Since(TimeSpan start) => Now() - start;

    /// <summary>CPU seconds (user + system) another process has used so far, from /proc/&lt;pid&gt;/stat; null where there is none.</summary>
    public static double? OfProcess(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // Fields after the command's closing parenthesis: state is field 3, utime 14 and stime 15 (in clock ticks, 100 a second).
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the bench for one call
    [DllImport("libc")]
    private static extern int clock_gettime(int clock, out TimeSpec spec);
#pragma warning restore SYSLIB1054
}

/// <summary>CPU microseconds a message of each step the studio adds to the bare loop, each measured alone on one thread.</summary>
public sealed record SendFloorResult(int Messages, double Lease, double Recipients, double Mint, double Render, double Links, double MimeBuild, double MimeWrite, double Record)
{
    /// <summary>What a message needs besides the transport without the database: rendering, links and the MIME object (its write is the transport's).</summary>
    public double WithoutDatabase => Mint + Render + Links + MimeBuild;

    public double Database => Lease + Recipients + Record;

    public string Table()
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("| step (one thread, alone) | CPU a message |");
        s.AppendLine("|---|---:|");
        foreach (var (step, us) in new[]
                 {
                     ("lease (batches of 200)", Lease), ("recipients: consent re-check and merge data (batches of 200)", Recipients),
                     ("links minted: unsubscribe token (Data Protection), open pixel (HMAC)", Mint), ("render: Fluid, layout and footer", Render),
                     ("link rewrite, written as UTF-8", Links), ("MIME: `MessageBuilder.Build`", MimeBuild),
                     ("MIME: writing the message to a null stream (the transport writes it again; not added below)", MimeWrite),
                     ("record: ledger commits of 32 results", Record),
                 })
        {
            s.AppendLine(inv, $"| {step} | {us:F1} µs |");
        }

        return s.ToString();
    }
}
