using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.TestSupport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Bench;

/// <summary>
/// Send throughput on PostgreSQL with one send worker and with two, as two studio instances would run them: each worker has
/// its own SMTP pool, its own lease owner and its own <see cref="CampaignSender"/>, and they share only the database (rows
/// leased with FOR UPDATE SKIP LOCKED) and the smtp-sink. On one 2-core machine both "instances" share the cores with
/// PostgreSQL and the sink, so the number shows what coordination costs, not what a second machine would add. A third run
/// sets a per-second limit to show it holds in total across both workers.
/// </summary>
public static class ClusterSendBenchmark
{
    public const int SharedLimit = 500;

    public static async Task<ClusterSendResult> RunAsync(bool quick, CancellationToken ct)
    {
        var recipients = quick ? 10_000 : 50_000;
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench_send");
        var port = CampaignsBenchmark.FreePort();
        using var sink = CampaignsBenchmark.StartSmtpSink(port);
        try
        {
            await CampaignsBenchmark.WaitForPortAsync(port, ct);
            var factory = BenchDatabase.Postgres(connectionString);
            await new SenderIdentityStore(factory, TimeProvider.System).SaveAsync(
                new Data.Settings.SenderIdentity("Demo Shop", "news@shop.example.com", null, "Demo Shop GmbH, Hauptstraße 1, 10115 Berlin", "https://studio.example.com"), ct);
            await SeedAsync(factory, recipients, ct);

            var one = await SendAsync(factory, port, recipients, workers: 1, perSecond: null, ct);
            var two = await SendAsync(factory, port, recipients, workers: 2, perSecond: null, ct);
            var limited = await SendAsync(factory, port, Math.Min(recipients, SharedLimit * 20), workers: 2, perSecond: SharedLimit, ct);
            await using var db = await factory.CreateDbContextAsync(ct);
            var version = (await db.Database.SqlQueryRaw<string>("SELECT current_setting('server_version') AS \"Value\"").ToListAsync(ct)).Single();
            return new ClusterSendResult(quick, version, [one, two, limited]);
        }
        finally
        {
            sink.Kill();
            await server.DropDatabaseAsync(connectionString);
            server.Stop();
        }
    }

    private static async Task<SendRun> SendAsync(IDbContextFactory<AppDbContext> factory, int port, int recipients, int workers, int? perSecond,
        CancellationToken ct)
    {
        var campaignId = await CampaignAsync(factory, recipients, ct);
        await new CampaignLauncher(factory, TimeProvider.System, new BestSendTimes(factory, TimeProvider.System, new SendTimePopulation()), NullLogger<CampaignLauncher>.Instance).LaunchAsync(campaignId, ct);
        const int connections = 4;
        var recommendations = new RecommendationLists(new ProductModels(factory, TimeProvider.System));
        var senders = new List<(CampaignSender Sender, SmtpMailTransport Transport)>();
        for (var w = 0; w < workers; w++)
        {
            var mail = new MailOptions
            {
                Transport = MailOptions.SmtpTransport,
                Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Connections = connections },
                Send = new SendOptions { MaxPerSecond = perSecond },
            };
            var transport = new SmtpMailTransport(mail.Smtp);
            var clock = TimeProvider.System;
            senders.Add((new CampaignSender(factory, new TemplateRenderer(), new MessageBuilder(clock), new SignedTokenService(DataProtectionProvider.Create("bench"), clock),
            new Sending.Tracking.ClickKeyStore(factory, DataProtectionProvider.Create("bench"), clock),
                transport, new SenderIdentityStore(factory, clock), mail, new SendWorkerOptions { BatchSize = 500, WorkerId = $"instance-{w + 1}" }, clock,
                NullLogger<CampaignSender>.Instance, recommendations), transport));
        }

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(senders.Select(s => Task.Run(async () =>
        {
            while (await s.Sender.RunOnceAsync(ct))
            {
            }
        }, ct)));
        watch.Stop();
        foreach (var (sender, transport) in senders)
        {
            await sender.DisposeAsync();
            await transport.DisposeAsync();
        }

        await using var db = await factory.CreateDbContextAsync(ct);
        var sent = await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent, ct);
        var once = await db.Messages.Where(m => m.CampaignId == campaignId).GroupBy(m => m.CustomerId).CountAsync(g => g.Count() > 1, ct) == 0;
        var run = new SendRun(workers, connections, perSecond, sent, watch.Elapsed.TotalSeconds, once);
        Console.WriteLine($"cluster-send: {workers} worker(s){(perSecond is { } l ? $", limit {l}/s" : "")}: {sent:N0} sent in {run.Seconds:F1} s = {run.PerSecond:N0}/s");
        return run;
    }

    /// <summary>Customers (95% opted in) and a list segment of all of them, in SQL.</summary>
    private static async Task SeedAsync(IDbContextFactory<AppDbContext> factory, int count, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Customers" ("Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "City", "Country", "CreatedAt", "UpdatedAt", "EmailConsent", "IsErased")
            SELECT 'customer' || i || '@example.com', 'Anna' || (i % 100), 'Tester', 'anna' || (i % 100), 'tester', CASE WHEN i % 3 = 0 THEN NULL ELSE 'Berlin' END, 'DE',
                   TIMESTAMPTZ '2026-01-01 00:00:00Z', TIMESTAMPTZ '2026-01-01 00:00:00Z', CASE WHEN i % 20 = 0 THEN 'Unknown' ELSE 'OptedIn' END, FALSE
            FROM generate_series(1, {count}) AS i
            """, ct);
        db.Segments.Add(new Domain.Segments.Segment { Name = "Everyone", Kind = Domain.Segments.SegmentKind.Snapshot, CreatedBy = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(ct);
        var segmentId = await db.Segments.Select(s => s.Id).SingleAsync(ct);
        await db.Database.ExecuteSqlAsync($"INSERT INTO \"SegmentMembers\" (\"SegmentId\", \"CustomerId\") SELECT {segmentId}, \"Id\" FROM \"Customers\"", ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
    }

    /// <summary>A scheduled campaign to the first <paramref name="recipients"/> customers of the segment (a fresh campaign per run).</summary>
    private static async Task<int> CampaignAsync(IDbContextFactory<AppDbContext> factory, int recipients, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var segment = new Domain.Segments.Segment { Name = $"First {recipients}", Kind = Domain.Segments.SegmentKind.Snapshot, CreatedBy = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var template = new EmailTemplate { Name = "Bench", Subject = "Hi {{ customer.first_name }}", HtmlBody = CampaignsBenchmark.Html, CreatedBy = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Segments.Add(segment);
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "SegmentMembers" ("SegmentId", "CustomerId") SELECT {segment.Id}, "Id" FROM "Customers" ORDER BY "Id" LIMIT {recipients}
            """, ct);
        var campaign = new Campaign
        {
            Name = $"Bench {recipients}", SegmentId = segment.Id, EmailTemplateId = template.Id, ScheduledAt = DateTime.UtcNow,
            DiscountTier = "15%", CreatedBy = "bench", CreatedAt = DateTime.UtcNow,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        return campaign.Id;
    }
}

public sealed record SendRun(int Workers, int Connections, int? PerSecondLimit, int Sent, double Seconds, bool EachOnce)
{
    public double PerSecond => Sent / Seconds;
}

public sealed record ClusterSendResult(bool Quick, string ServerVersion, IReadOnlyList<SendRun> Runs)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(inv, $"## cluster-send — send throughput on PostgreSQL, one worker vs two{(Quick ? " (--quick)" : "")}");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line} · PostgreSQL {ServerVersion}");
        s.AppendLine();
        s.AppendLine("| workers (instances) | SMTP connections each | per-second limit (total) | sent | seconds | rate | each recipient once |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Runs)
        {
            s.AppendLine(inv, $"| {r.Workers} | {r.Connections} | {(r.PerSecondLimit is { } l ? $"{l:N0}/s" : "none")} | {r.Sent:N0} | {r.Seconds:F1} | **{r.PerSecond:N0}/s** | {(r.EachOnce ? "yes" : "NO")} |");
        }

        s.AppendLine();
        s.AppendLine("Each worker is a full `CampaignSender` (lease with `FOR UPDATE SKIP LOCKED`, consent re-check, render, tracked links, MIME, SMTP to");
        s.AppendLine("Postfix's smtp-sink, ledger) with its own lease owner and SMTP pool; both run in one process on the same 2 cores as PostgreSQL and the");
        s.AppendLine("sink, so a second worker here measures coordination overhead, not a second machine's capacity. The limited run draws from the");
        s.AppendLine("shared per-second allowance (`SendAllowances`): the two workers together stay at the limit (a short run includes the");
        s.AppendLine("one-second burst a full bucket allows). 5% of customers are not opted in.");
        return s.ToString();
    }
}
