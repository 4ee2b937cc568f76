using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Bounces;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.TestSupport.Bounces;
using MailKit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace CampaignStudio.Bench;

/// <summary>
/// Bounce processing rate: a real IMAP mailbox (dovecot, started like the tests') holding one real postfix DSN per sent
/// message (the corpus DSN with each message's own return address), read by <see cref="BounceMailboxReader"/> in one pass:
/// fetch, classify, record the event, apply the policy (a suppression through the consent ledger), move to "Processed".
/// </summary>
public static class BouncesBenchmark
{
    public static async Task<BouncesBenchmarkResult> RunAsync(BenchWorkspace workspace, bool quick, CancellationToken ct)
    {
        var count = quick ? 500 : 2_000;
        var clock = TimeProvider.System;
        var factory = await BenchDatabase.CreateAsync(workspace.DatabasePath, ct);
        var deliveries = await SentMessagesAsync(factory, count, clock, ct);

        await using var imap = new DovecotServer();
        await imap.InitializeAsync();
        var store = new BounceMailboxStore(factory, DataProtectionProvider.Create("bench"), clock);
        await store.SaveAsync(new BounceMailboxSettings(DovecotServer.CorpusMailbox, "127.0.0.1", imap.Port, MailboxSecurity.None, DovecotServer.User),
            DovecotServer.Password, ct);
        var returnAddresses = (await store.ReturnAddressesAsync(ct))!;

        var template = await File.ReadAllTextAsync(Path.Combine(DovecotServer.CorpusFolder, "postfix-unknown-user.eml"), ct);
        var fill = Stopwatch.StartNew();
        using (var client = await imap.ConnectAsync())
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite, ct);
            foreach (var delivery in deliveries)
            {
                var text = Regex.Replace(template, @"bounces\+4242-[a-z2-7]{16}@bounce\.shop\.example", returnAddresses.For(delivery))
                    .Replace("20261203094851.1371BEC12E@mx.shop.example", $"bench-{delivery.MessageId}@mx.shop.example", StringComparison.Ordinal);
                await client.Inbox.AppendAsync(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)), ct), cancellationToken: ct);
            }

            await client.DisconnectAsync(true, ct);
        }

        Console.WriteLine($"{count:N0} DSNs in the mailbox after {fill.Elapsed.TotalSeconds:F1} s");
        var consent = new ConsentLedger(factory, new AddressSuppression(factory, clock), clock);
        var reader = new BounceMailboxReader(store, new BounceLedger(factory, consent, new BouncePolicy(), clock), clock, NullLogger<BounceMailboxReader>.Instance);
        var watch = Stopwatch.StartNew();
        var pass = await reader.ReadOnceAsync(ct);
        watch.Stop();
        var load = await File.ReadAllTextAsync("/proc/loadavg", ct);

        await using var db = await factory.CreateDbContextAsync(ct);
        var suppressed = await db.Customers.CountAsync(c => c.EmailConsent == ConsentStatus.Bounced, ct);
        var folders = await imap.CountsAsync();
        Console.WriteLine($"{pass.Read:N0} read in {watch.Elapsed.TotalSeconds:F1} s = {pass.Read / watch.Elapsed.TotalSeconds:F0}/s; {suppressed:N0} suppressed");
        return new BouncesBenchmarkResult(count, pass, watch.Elapsed.TotalSeconds, suppressed, folders.GetValueOrDefault("INBOX"),
            folders.GetValueOrDefault(BounceMailboxReader.ProcessedFolder), string.Join(" / ", load.Split(' ').Take(3)));
    }

    /// <summary>Customers with one sent message each, leased through the message ledger (the only way to hold a <see cref="MessageDelivery"/>).</summary>
    private static async Task<IReadOnlyList<MessageDelivery>> SentMessagesAsync(IDbContextFactory<AppDbContext> factory, int count, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(ct);
        var customers = Enumerable.Range(0, count).Select(i =>
        {
            var c = new Customer { CreatedAt = now, UpdatedAt = now, EmailConsent = ConsentStatus.OptedIn };
            c.SetEmail($"bounce{i}@example.com");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        var campaign = new Campaign { Name = "Bounce bench", CreatedBy = "bench", CreatedAt = now };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        db.Messages.AddRange(customers.Select(c => new Message { CampaignId = campaign.Id, CustomerId = c.Id, Status = MessageStatus.Queued, QueuedAt = now }));
        await db.SaveChangesAsync(ct);
        var leased = await MessageLedger.LeaseAsync(db, campaign.Id, "bench", count, now, TimeSpan.FromHours(1), ct);
        await MessageLedger.RecordAsync(db, "bench", leased.Select(m => new MessageOutcome(m.Id, MessageStatus.Sent, SentAt: now, MessageIdHeader: $"bench-{m.Id}@shop.example")).ToList(), ct);
        return leased.Select(m => m.Delivery).ToList();
    }
}

public sealed record BouncesBenchmarkResult(int Dsns, MailboxPass Pass, double Seconds, int Suppressed, int LeftInInbox, int Processed, string LoadAfter)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## bounces — bounce processing rate from an IMAP mailbox");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("One pass of `BounceMailboxReader` over dovecot (a plain process on 127.0.0.1, no TLS) holding one real postfix DSN " +
            "(`postfix-unknown-user.eml`, 5.1.1) per sent message, each with that message's own signed return address: fetch, classify, " +
            "record the event (unique by Message-ID), mark the ledger row, apply the policy (hard bounce → a suppression through the consent " +
            "ledger, with the event as evidence), then MOVE to \"Processed\" in groups of 100. SQLite file, the studio's pragmas.");
        s.AppendLine();
        s.AppendLine("| DSNs in the mailbox | read | recorded | suppressed | left in inbox | moved to Processed | seconds | rate | load average after |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        s.AppendLine(inv, $"| {Dsns:N0} | {Pass.Read:N0} | {Pass.Recorded:N0} | {Suppressed:N0} | {LeftInInbox:N0} | {Processed:N0} | {Seconds:F1} | **{Pass.Read / Seconds:F0} DSNs/s** | {LoadAfter} |");
        return s.ToString();
    }
}
