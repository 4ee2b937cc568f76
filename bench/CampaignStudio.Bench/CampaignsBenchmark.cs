using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Bench;

/// <summary>
/// Campaign throughput: rendering personalised messages, the whole send pipeline into a loopback SMTP sink
/// (Postfix's smtp-sink), and the launch (snapshot + one message row per recipient) for a large audience.
/// </summary>
public static class CampaignsBenchmark
{
    internal const string Html = """
        <html><body>
        <h1>Hello {{ customer.first_name | default: "there" }}!</h1>
        <p>We picked {{ top_category | default: "something" }} for you{% if last_product %}, as you liked {{ last_product }}{% endif %}.</p>
        <p>Take {{ campaign.discount_tier | default: "5%" }} off until Sunday in {{ customer.city | default: "your town" }}.</p>
        <ul>{% for p in recommendations limit: 3 %}<li>{{ p.name }} ({{ p.category }})</li>{% endfor %}</ul>
        <p><a href="https://shop.example.com/sale?c={{ campaign.name | url_encode }}">Shop the sale</a> · <a href="https://shop.example.com/new">New in</a></p>
        </body></html>
        """;

    public static async Task<CampaignsBenchmarkResult> RunAsync(BenchWorkspace workspace, bool quick, CancellationToken ct)
    {
        var renderCount = quick ? 100_000 : 1_000_000;
        var sendCount = quick ? 10_000 : 100_000;
        var launchCount = quick ? 100_000 : 1_000_000;
        var render = Render(renderCount, ct);
        var (launchSmall, send) = await SendAsync(workspace, sendCount, ct);
        var launch = await LaunchAsync(workspace, launchCount, ct);
        return new CampaignsBenchmarkResult(quick, render, send, launchSmall, launch);
    }

    private static RenderResult Render(int count, CancellationToken ct)
    {
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource("{{ customer.first_name | default: \"Hi\" }}, {{ campaign.discount_tier }} off {{ top_category }}", "Only this week", Html, null)).Template!;
        var campaign = new CampaignData(1, "Autumn sale", "15%");
        var footer = new MessageFooter("https://studio.example.com/u/abcdefghijklmnopqrstuvwxyz0123456789", "Demo Shop GmbH\nHauptstraße 1\n10115 Berlin");
        string[] names = ["Anna", "Ben", "Chloé", "Dmitri", "Eve", "<b>Fritz</b>", "Grace", "Hana"];
        string[] categories = ["Shoes", "Books", "Garden", "Toys"];
        var products = Enumerable.Range(0, 97).Select(i => new ProductRecommendation($"Product {i}", categories[i % categories.Length])).ToArray();
        long chars = 0;

        // Warm up (tiered JIT reaches optimised code, Fluid's caches fill) before timing.
        Parallel.For(0, 50_000, new ParallelOptions { CancellationToken = ct }, i => Interlocked.Add(ref chars, renderer.Render(template, Recipient(i), campaign, footer).Html.Length));
        var all = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, i => Interlocked.Add(ref chars, renderer.Render(template, Recipient(i), campaign, footer).Html.Length));
        all.Stop();
        var single = Stopwatch.StartNew();
        var singleCount = count / 4;
        for (var i = 0; i < singleCount; i++)
        {
            chars += renderer.Render(template, Recipient(i), campaign, footer).Html.Length;
        }

        single.Stop();
        Console.WriteLine($"render: {singleCount / single.Elapsed.TotalSeconds:N0}/s on one thread, {count / all.Elapsed.TotalSeconds:N0}/s on all cores ({chars:N0} chars)");
        return new RenderResult(count, all.Elapsed.TotalSeconds, singleCount, single.Elapsed.TotalSeconds);

        RecipientData Recipient(int i) => new(i, $"customer{i}@example.com", names[i % names.Length], "Tester", i % 3 == 0 ? null : "Berlin", "DE",
            null, [products[i % 97], products[(i + 1) % 97], products[(i + 2) % 97], products[(i + 3) % 97], products[(i + 4) % 97]],
            categories[i % categories.Length], i % 2 == 0 ? $"Product {i % 97}" : null);
    }

    private static async Task<(LaunchResult Launch, SendResult Send)> SendAsync(BenchWorkspace workspace, int count, CancellationToken ct)
    {
        var factory = await BenchDatabase.CreateAsync(Path.Combine(workspace.Folder, "send.db"), ct);
        var clock = TimeProvider.System;
        var senders = new SenderIdentityStore(factory, clock);
        await senders.SaveAsync(new Data.Settings.SenderIdentity("Demo Shop", "news@shop.example.com", null, "Demo Shop GmbH, Hauptstraße 1, 10115 Berlin", "https://studio.example.com"), ct);
        var campaignId = await SeedAsync(factory, count, ct);
        await SeedPurchasesAsync(factory, ct);
        var recommendations = new RecommendationLists(new ProductModels(factory, clock));
        var trainWatch = Stopwatch.StartNew();
        var model = await recommendations.ModelAsync(ct) ?? throw new InvalidOperationException("No purchases to train on.");
        trainWatch.Stop();
        var perBatch = await RecommendationsPerBatchAsync(factory, recommendations, ct);
        Console.WriteLine($"recommendations: model of {model.Catalog.Count:N0} products trained in {trainWatch.Elapsed.TotalSeconds:F2} s; merge data of a batch of 200 (query + lists) {perBatch.WithRecommendations:F1} ms, without recommendations {perBatch.Without:F1} ms");
        var launchWatch = Stopwatch.StartNew();
        var launcher = new CampaignLauncher(factory, clock, new BestSendTimes(factory, clock, new SendTimePopulation()), NullLogger<CampaignLauncher>.Instance);
        await launcher.LaunchAsync(campaignId, ct);
        launchWatch.Stop();

        var port = FreePort();
        using var sink = StartSmtpSink(port);
        await WaitForPortAsync(port, ct);
        const int connections = 8;
        var mail = new MailOptions
        {
            Transport = MailOptions.SmtpTransport,
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Connections = connections },
        };
        await using var transport = new SmtpMailTransport(mail.Smtp);
        var worker = new SendWorkerOptions { BatchSize = 500, InFlightWindow = 64, WorkerId = "bench" };
        await using var sender = new CampaignSender(factory, new TemplateRenderer(), new MessageBuilder(clock), new SignedTokenService(DataProtectionProvider.Create("bench"), clock),
            new Sending.Tracking.ClickKeyStore(factory, DataProtectionProvider.Create("bench"), clock),
            transport, senders, mail, worker, clock, NullLogger<CampaignSender>.Instance, recommendations);
        var watch = Stopwatch.StartNew();
        while (await sender.RunOnceAsync(ct))
        {
        }

        watch.Stop();
        await using var db = await factory.CreateDbContextAsync(ct);
        var sent = await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent, ct);
        sink.Kill();
        Console.WriteLine($"send: {sent:N0} sent in {watch.Elapsed.TotalSeconds:F1} s = {sent / watch.Elapsed.TotalSeconds:N0}/s over {connections} connections");
        Console.WriteLine($"launch: {count:N0} recipients in {launchWatch.Elapsed.TotalSeconds:F2} s");
        return (new LaunchResult(count, launchWatch.Elapsed.TotalSeconds), new SendResult(sent, watch.Elapsed.TotalSeconds, connections, perBatch.WithRecommendations, perBatch.Without));
    }

    /// <summary>Two of three customers bought 1–4 of 500 products (in 10 categories) over the last year; the rest are cold starts.</summary>
    private static async Task SeedPurchasesAsync(IDbContextFactory<AppDbContext> factory, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlRawAsync("""
            WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 4)
            INSERT INTO "Purchases" ("CustomerId", "OrderId", "Amount", "Currency", "Category", "Product", "PurchasedAt", "SourceKey")
            SELECT c."Id", 'O-' || c."Id" || '-' || k.i, 20, 'EUR', 'Category ' || ((c."Id" / 7 + k.i) % 10),
                   'Product ' || ((c."Id" / 7 * 13 + k.i * ((c."Id" % 5) + 1)) % 500),
                   strftime('%Y-%m-%d %H:%M:%S', '2026-01-01', '-' || ((c."Id" * 13 + k.i * 104729) % 365) || ' days'), 'O-' || c."Id" || '-' || k.i
            FROM "Customers" AS c JOIN k ON k.i <= 1 + c."Id" % 4
            WHERE c."Id" % 3 <> 0
            """, ct);
    }

    /// <summary>Median milliseconds to load the merge data of 200 recipients, with and without recommendations.</summary>
    private static async Task<(double WithRecommendations, double Without)> RecommendationsPerBatchAsync(IDbContextFactory<AppDbContext> factory,
        RecommendationLists recommendations, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).Take(20 * 200).ToListAsync(ct);
        var batches = ids.Chunk(200).ToList();
        var with = new List<double>();
        var without = new List<double>();
        foreach (var batch in batches)
        {
            var watch = Stopwatch.StartNew();
            await RecipientLoader.LoadAsync(db, batch, onlyMailable: true, recommendations, ct);
            with.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            await RecipientLoader.LoadAsync(db, batch, onlyMailable: true, null, ct);
            without.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (Stats.Median(with), Stats.Median(without));
    }

    private static async Task<LaunchResult> LaunchAsync(BenchWorkspace workspace, int count, CancellationToken ct)
    {
        var factory = await BenchDatabase.CreateAsync(Path.Combine(workspace.Folder, "launch.db"), ct);
        var campaignId = await SeedAsync(factory, count, ct);
        var watch = Stopwatch.StartNew();
        await new CampaignLauncher(factory, TimeProvider.System, new BestSendTimes(factory, TimeProvider.System, new SendTimePopulation()), NullLogger<CampaignLauncher>.Instance).LaunchAsync(campaignId, ct);
        watch.Stop();
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Messages.CountAsync(ct);
        Console.WriteLine($"launch: {rows:N0} message rows in {watch.Elapsed.TotalSeconds:F2} s");
        return new LaunchResult(rows, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Customers (95% opted in), a list segment of all of them, a template and a scheduled campaign, in SQL.</summary>
    internal static async Task<int> SeedAsync(IDbContextFactory<AppDbContext> factory, int count, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
            INSERT INTO "Customers" ("Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "City", "Country", "CreatedAt", "UpdatedAt", "EmailConsent", "IsErased")
            SELECT 'customer' || i || '@example.com', 'Anna' || (i % 100), 'Tester', 'anna' || (i % 100), 'tester', CASE WHEN i % 3 = 0 THEN NULL ELSE 'Berlin' END, 'DE',
                   '2026-01-01 00:00:00', '2026-01-01 00:00:00', CASE WHEN i % 20 = 0 THEN 'Unknown' ELSE 'OptedIn' END, 0 FROM n
            """, ct);
        db.Segments.Add(new Domain.Segments.Segment { Name = "Everyone", Kind = Domain.Segments.SegmentKind.Snapshot, CreatedBy = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        var template = new EmailTemplate { Name = "Bench", Subject = "Hi {{ customer.first_name }}", HtmlBody = Html, CreatedBy = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync(ct);
        var segmentId = await db.Segments.Select(s => s.Id).SingleAsync(ct);
        await db.Database.ExecuteSqlAsync($"INSERT INTO \"SegmentMembers\" (\"SegmentId\", \"CustomerId\") SELECT {segmentId}, \"Id\" FROM \"Customers\"", ct);
        var campaign = new Campaign
        {
            Name = "Bench", SegmentId = segmentId, EmailTemplateId = template.Id, ScheduledAt = DateTime.UtcNow,
            DiscountTier = "15%", CreatedBy = "bench", CreatedAt = DateTime.UtcNow,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        return campaign.Id;
    }

    internal static Process StartSmtpSink(int port)
    {
        // -u nobody: as root, smtp-sink refuses to run without dropping privileges.
        // Output not redirected: an unread pipe would fill up and stall the sink.
        var start = new ProcessStartInfo("/usr/sbin/smtp-sink") { UseShellExecute = false };
        foreach (var arg in (Environment.UserName == "root" ? new[] { "-u", "nobody" } : []).Concat([$"127.0.0.1:{port}", "1000"]))
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("smtp-sink did not start (apt-get install postfix).");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task WaitForPortAsync(int port, CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, ct);
            }
        }

        throw new InvalidOperationException($"smtp-sink did not listen on {port}.");
    }
}

public sealed record RenderResult(int Messages, double Seconds, int SingleThreadMessages, double SingleThreadSeconds)
{
    public double PerSecond => Messages / Seconds;

    public double SingleThreadPerSecond => SingleThreadMessages / SingleThreadSeconds;
}

public sealed record SendResult(int Sent, double Seconds, int Connections, double RecommendationsBatchMs, double WithoutRecommendationsBatchMs)
{
    public double PerSecond => Sent / Seconds;
}

public sealed record LaunchResult(int Recipients, double Seconds);

public sealed record CampaignsBenchmarkResult(bool Quick, RenderResult Render, SendResult Send, LaunchResult LaunchSmall, LaunchResult Launch)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(inv, $"## campaigns — render, send, launch{(Quick ? " (--quick)" : "")}");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("| what | size | seconds | rate | target |");
        s.AppendLine("|---|---:|---:|---:|---|");
        s.AppendLine(inv, $"| render personalised messages (subject, preheader, HTML, derived text, footer), all cores | {Render.Messages:N0} | {Render.Seconds:F2} | **{Render.PerSecond:N0}/s** | ≥ 100,000/s: {(Render.PerSecond >= 100_000 ? "met" : "not met")} |");
        s.AppendLine(inv, $"| the same on one thread | {Render.SingleThreadMessages:N0} | {Render.SingleThreadSeconds:F2} | {Render.SingleThreadPerSecond:N0}/s | |");
        s.AppendLine(inv, $"| send through the whole pipeline (lease, consent re-check, render, tracked links, MIME, SMTP over {Send.Connections} connections to smtp-sink, ledger) | {Send.Sent:N0} | {Send.Seconds:F1} | **{Send.PerSecond:N0}/s** | ≥ 1,000/s: {(Send.PerSecond >= 1_000 ? "met" : "not met")} |");
        s.AppendLine(inv, $"| merge data of a batch of 200 recipients with recommendations (one purchase query, lists from the model in memory) | 200 | {Send.RecommendationsBatchMs / 1000:F4} | without recommendations: {Send.WithoutRecommendationsBatchMs:F1} ms | cheap next to sending 200 mails |");
        s.AppendLine(inv, $"| launch: snapshot + message rows | {LaunchSmall.Recipients:N0} | {LaunchSmall.Seconds:F2} | {LaunchSmall.Recipients / LaunchSmall.Seconds:N0} rows/s | |");
        s.AppendLine(inv, $"| launch: snapshot + message rows | {Launch.Recipients:N0} | **{Launch.Seconds:F2}** | {Launch.Recipients / Launch.Seconds:N0} rows/s | feasible (one transaction) |");
        s.AppendLine();
        s.AppendLine("Send and launch run on SQLite (WAL, synchronous = NORMAL) through the real `CampaignLauncher` and `CampaignSender`; 5% of the customers are not opted in and end suppressed. Two of three customers have 1–4 purchases of 500 products; every mail lists three recommendations.");
        return s.ToString();
    }
}
