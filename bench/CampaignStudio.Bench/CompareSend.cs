using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace CampaignStudio.Bench;

/// <summary>
/// Issue 17's send comparison: a campaign sent through the studio's whole pipeline (launch, then <see cref="CampaignSender"/>
/// until done) and a bare MailKit loop (8 tasks, each its own connection, no database) sending the very messages the
/// pipeline built in its warm-up run, so size and headers match byte for byte. Both go to the same smtp-sink over 8
/// connections, alternately (studio, loop, studio, …). The pipeline's stages are timed through <see cref="SendStages"/>.
/// </summary>
public static class CompareSend
{
    private const int Connections = 8;

    public static async Task<CompareSendResult> RunAsync(BenchWorkspace workspace, int customers, int pairs, CancellationToken ct)
    {
        var factory = await BenchDatabase.CreateAsync(Path.Combine(workspace.Folder, "compare-send.db"), ct);
        var clock = TimeProvider.System;
        var senders = new SenderIdentityStore(factory, clock);
        await senders.SaveAsync(new Data.Settings.SenderIdentity("Demo Shop", "news@shop.example.com", null, "Demo Shop GmbH, Hauptstraße 1, 10115 Berlin", "https://studio.example.com"), ct);
        var firstCampaign = await CampaignsBenchmark.SeedAsync(factory, customers, ct);
        var launcher = new CampaignLauncher(factory, clock, new BestSendTimes(factory, clock, new SendTimePopulation()), NullLogger<CampaignLauncher>.Instance);
        var clickKeys = new Sending.Tracking.ClickKeyStore(factory, DataProtectionProvider.Create("bench"), clock);
        var recommendations = new RecommendationLists(new ProductModels(factory, clock));

        var port = CampaignsBenchmark.FreePort();
        using var sink = CampaignsBenchmark.StartSmtpSink(port);
        await CampaignsBenchmark.WaitForPortAsync(port, ct);
        var mail = new MailOptions
        {
            Transport = MailOptions.SmtpTransport,
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, Connections = Connections },
        };
        var capture = new CapturingTransport(new SmtpMailTransport(mail.Smtp));
        await using var transportLifetime = capture;

        // The studio's defaults (batch size, in-flight window), as a deployed worker runs.
        var worker = new SendWorkerOptions { WorkerId = "bench" };
        await using var sender = new CampaignSender(factory, new TemplateRenderer(), new MessageBuilder(clock), new SignedTokenService(DataProtectionProvider.Create("bench"), clock),
            clickKeys, capture, senders, mail, worker, clock, NullLogger<CampaignSender>.Instance, recommendations);

        // Warm-up of both sides (JIT, connections, SQLite cache), not recorded; the pipeline's messages become the loop's input.
        capture.Capturing = true;
        await DkimBenchmark.SendCampaignAsync(factory, launcher, sender, firstCampaign, ct);
        capture.Capturing = false;
        var messages = capture.Captured.ToArray();
        capture.Captured.Clear();
        var bytes = messages.Take(200).Average(Size);
        Console.WriteLine($"compare send: {messages.Length:N0} messages of ~{bytes:N0} bytes captured from the pipeline's warm-up run");
        await BareLoopAsync(port, messages, ct);

        // The studio's transport alone (its pool and its retry pipeline, as CampaignSender calls them) on the same messages and
        // 8 parallel sends, no rendering and no database: whether the transport itself costs more than the bare loop.
        await using var alone = new SmtpMailTransport(mail.Smtp);
        var pipeline = SendResilience.CreatePipeline(mail.Send, null, clock);
        await TransportAloneAsync(alone, pipeline, messages, ct);

        var stages = new StageTotals();
        var runs = new List<CompareSendRun>();
        for (var pair = 1; pair <= pairs; pair++)
        {
            var campaignId = await DkimBenchmark.CopyCampaignAsync(factory, firstCampaign, ct);
            var load = Load();
            stages.Listening = true;
            var allocated = GC.GetTotalAllocatedBytes();
            var sinkCpu = CpuClock.OfProcess(sink.Id);
            var (sent, seconds, cpu) = await DkimBenchmark.SendCampaignAsync(factory, launcher, sender, campaignId, ct);
            allocated = GC.GetTotalAllocatedBytes() - allocated;
            stages.Listening = false;
            Add(new CompareSendRun(pair, CompareSendResult.Studio, sent, seconds, cpu, load, allocated, CpuClock.OfProcess(sink.Id) - sinkCpu));

            load = Load();
            sinkCpu = CpuClock.OfProcess(sink.Id);
            var (loopSeconds, loopCpu, loopAllocated) = await MeasureAsync(() => BareLoopAsync(port, messages, ct));
            Add(new CompareSendRun(pair, CompareSendResult.Loop, messages.Length, loopSeconds, loopCpu, load, loopAllocated, CpuClock.OfProcess(sink.Id) - sinkCpu));

            load = Load();
            sinkCpu = CpuClock.OfProcess(sink.Id);
            var (aloneSeconds, aloneCpu, aloneAllocated) = await MeasureAsync(() => TransportAloneAsync(alone, pipeline, messages, ct));
            Add(new CompareSendRun(pair, CompareSendResult.TransportAlone, messages.Length, aloneSeconds, aloneCpu, load, aloneAllocated,
                CpuClock.OfProcess(sink.Id) - sinkCpu));
        }

        sink.Kill();
        stages.Dispose();

        // The floor: each step the studio adds, alone on one thread, on a copy of the same campaign (decision 054, session 15).
        var floorLoad = Load();
        var floor = await SendFloor.MeasureAsync(factory, launcher, senders, clickKeys, recommendations, firstCampaign, ct);
        Console.WriteLine($"compare send: floor (load {floorLoad})");
        Console.WriteLine(floor.Table());

        void Add(CompareSendRun run)
        {
            runs.Add(run);
            Console.WriteLine($"compare send: {run.Side} {run.Sent:N0} in {run.Seconds:F2} s = {run.PerSecond:N0}/s, {run.CpuMicrosecondsPerMessage:F0} µs CPU and {run.AllocatedBytesPerMessage / 1024:F1} KB allocated a message, smtp-sink {run.SinkMicrosecondsPerMessage:F0} µs (load {run.Load})");
        }
        var result = new CompareSendResult(customers, messages.Length, bytes, worker.BatchSize, worker.InFlightWindow, runs, stages.Snapshot(), floor, floorLoad);
        Console.WriteLine(result.StageTable());
        Console.WriteLine(result.FloorText());
        return result;
    }

    private static async Task<(double Seconds, double CpuSeconds, long Allocated)> MeasureAsync(Func<Task<double>> run)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var seconds = await run();
        return (seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, GC.GetTotalAllocatedBytes() - allocated);
    }

    /// <summary>The studio's pool and retry pipeline, called as the send phase calls them: 8 parallel sends, each taking the next message.</summary>
    private static async Task<double> TransportAloneAsync(SmtpMailTransport transport, Polly.ResiliencePipeline<Messaging.Transport.SendResult> pipeline,
        IReadOnlyList<MimeMessage> messages, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = Connections, CancellationToken = ct }, async (message, token) =>
        {
            var result = await pipeline.ExecuteAsync(static async (state, t) => await state.transport.SendAsync(state.message, null, t), (transport, message), token);
            if (result.Status != SendStatus.Sent)
            {
                throw new InvalidOperationException($"The studio's transport did not send a message: {result}");
            }
        });
        watch.Stop();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>8 tasks, each with its own connection (Nagle off, as the studio's pool), taking the next message until none is left.</summary>
    private static async Task<double> BareLoopAsync(int port, IReadOnlyList<MimeMessage> messages, CancellationToken ct)
    {
        var clients = new List<SmtpClient>();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync("127.0.0.1", port, ct);
                var client = new SmtpClient();
                await client.ConnectAsync(socket, "127.0.0.1", port, SecureSocketOptions.None, ct);
                clients.Add(client);
            }

            var next = -1;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async client =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < messages.Count)
                {
                    await client.SendAsync(messages[i], ct);
                }
            }));
            watch.Stop();
            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisconnectAsync(true, CancellationToken.None);
                client.Dispose();
            }
        }
    }

    private static long Size(MimeMessage message)
    {
        using var counter = new MimeKit.IO.MeasuringStream();
        message.WriteTo(counter);
        return counter.Length;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>Passes every send to the studio's SMTP transport, keeping the messages while <see cref="Capturing"/>.</summary>
    private sealed class CapturingTransport(SmtpMailTransport inner) : IMailTransport, IAsyncDisposable
    {
        public volatile bool Capturing;

        public ConcurrentQueue<MimeMessage> Captured { get; } = new();

        public Task<Messaging.Transport.SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) => SendAsync(message, null, cancellationToken);

        public Task<Messaging.Transport.SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default)
        {
            if (Capturing)
            {
                Captured.Enqueue(message);
            }

            return inner.SendAsync(message, returnPath, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Adds up <see cref="SendStages"/> measurements per stage while <see cref="Listening"/>.</summary>
    private sealed class StageTotals : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, (double Ms, long Count)> _totals = new();

        public StageTotals()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SendStages.MeterName && instrument.Name == SendStages.InstrumentName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
            {
                if (!Listening)
                {
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "stage" && tag.Value is string stage)
                    {
                        _totals.AddOrUpdate(stage, (ms, 1), (_, t) => (t.Ms + ms, t.Count + 1));
                    }
                }
            });
            _listener.Start();
        }

        public volatile bool Listening;

        public IReadOnlyDictionary<string, (double Ms, long Count)> Snapshot() => new Dictionary<string, (double, long)>(_totals);

        public void Dispose() => _listener.Dispose();
    }
}

/// <param name="SinkCpuSeconds">smtp-sink's CPU (user + system) during the run, from /proc; null where it cannot be read.</param>
public sealed record CompareSendRun(int Pair, string Side, int Sent, double Seconds, double CpuSeconds, string Load, long AllocatedBytes, double? SinkCpuSeconds = null)
{
    public double? SinkMicrosecondsPerMessage => SinkCpuSeconds * 1e6 / Sent;

    public double PerSecond => Sent / Seconds;

    public double CpuMicrosecondsPerMessage => CpuSeconds * 1e6 / Sent;

    public double AllocatedBytesPerMessage => (double)AllocatedBytes / Sent;
}

public sealed record CompareSendResult(int Customers, int Messages, double Bytes, int BatchSize, int InFlightWindow, IReadOnlyList<CompareSendRun> Runs,
    IReadOnlyDictionary<string, (double Ms, long Count)> Stages, SendFloorResult Floor, string FloorLoad)
{
    private static readonly string[] Sequential = [SendStages.Campaigns, SendStages.Lease, SendStages.Recipients, SendStages.SendPhase, SendStages.Finish];
    // Since decision 054's second step each parallel send renders its own message: render and links run inside the send phase.
    private static readonly string[] Inside = [SendStages.Render, SendStages.Links, SendStages.Mime, SendStages.Window, SendStages.Transport, SendStages.Record];

    public const string Studio = "studio";
    public const string Loop = "bare MailKit loop";
    public const string TransportAlone = "studio transport alone";

    private double Median(string side, Func<CompareSendRun, double> value) => Stats.Median(Runs.Where(r => r.Side == side).Select(value).ToList());

    /// <summary>Studio msg/s over the bare loop's (medians): at least 0.8 is the target.</summary>
    public double Ratio => Median(Studio, r => r.PerSecond) / Median(Loop, r => r.PerSecond);

    /// <summary>The studio's transport alone over the bare loop (medians): what the pool and the retry pipeline cost by themselves.</summary>
    public double TransportRatio => Median(TransportAlone, r => r.PerSecond) / Median(Loop, r => r.PerSecond);

    /// <summary>The studio's CPU a message over the loop's, median of the pairs.</summary>
    public double CpuRatio => Stats.Median(Runs.Where(r => r.Side == Studio)
        .Select(s => s.CpuMicrosecondsPerMessage / Runs.Single(l => l.Pair == s.Pair && l.Side == Loop).CpuMicrosecondsPerMessage).ToList());

    /// <summary>
    /// The best ratio the studio can reach where both sides are CPU-bound on the same cores, smtp-sink included: each side's rate
    /// is cores / (its CPU a message + the sink's), and the studio cannot spend less than the transport plus its own floor.
    /// </summary>
    public string FloorText()
    {
        var inv = CultureInfo.InvariantCulture;
        var loop = Median(Loop, r => r.CpuMicrosecondsPerMessage);
        var sink = Median(Loop, r => r.SinkMicrosecondsPerMessage ?? 0);
        var transport = Median(TransportAlone, r => r.CpuMicrosecondsPerMessage);
        var studio = Median(Studio, r => r.CpuMicrosecondsPerMessage);
        var studioSink = Median(Studio, r => r.SinkMicrosecondsPerMessage ?? 0);
        var loopRate = Median(Loop, r => r.PerSecond);
        var bound = (loop + sink) / (transport + Floor.WithoutDatabase + sink);
        var boundWithDatabase = (loop + sink) / (transport + Floor.WithoutDatabase + Floor.Database + sink);
        var floorTotal = transport + Floor.WithoutDatabase + Floor.Database;
        var s = new StringBuilder();
        s.AppendLine(inv, $"The floor: each step the studio adds to the loop, alone on one thread over the {Floor.Messages:N0} messages of a copy of the campaign (CPU of this process, GC included; load {FloorLoad} at its start):");
        s.AppendLine();
        s.Append(Floor.Table());
        s.AppendLine();
        s.AppendLine(inv, $"Medians of the pairs: the loop {loop:F0} µs CPU a message, smtp-sink {sink:F0} µs a message during the loop (from `/proc/<pid>/stat`; {studioSink:F0} µs during the studio's runs), the studio's transport alone {transport:F0} µs, the studio {studio:F0} µs. " +
            $"The loop used {(loop + sink) * loopRate / 1e6:F2} of the machine's {Environment.ProcessorCount} cores (itself and the sink).");
        s.AppendLine();
        s.AppendLine(inv, $"**Bound** where both sides are CPU-bound on the same cores: ratio ≤ (loop + sink) / (transport + links minted + render + link rewrite + MIME build + sink) = ({loop:F0} + {sink:F0}) / ({transport:F0} + {Floor.Mint:F0} + {Floor.Render:F0} + {Floor.Links:F0} + {Floor.MimeBuild:F0} + {sink:F0}) = **{bound:F2}**; " +
            $"with the database's floor too (lease + recipients + record, {Floor.Database:F0} µs): **{boundWithDatabase:F2}**. " +
            $"The studio's measured {studio:F0} µs a message is {studio - floorTotal:F0} µs above its floor of {floorTotal:F0} µs (transport + every step alone): what running the steps together on 8 parallel sends costs (thread pool, contention, GC of a bigger heap).");
        return s.ToString();
    }

    public string StageTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var studio = Runs.Where(r => r.Side == Studio).ToList();
        var sent = studio.Sum(r => r.Sent);
        var wall = studio.Sum(r => r.Seconds) * 1000;
        var s = new StringBuilder();
        s.AppendLine("| stage | runs in | times a run | ms a run | µs a message | share of the send's wall time |");
        s.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var stage in Sequential.Concat(Inside))
        {
            var (ms, count) = Stages.GetValueOrDefault(stage);
            var inside = Inside.Contains(stage);
            s.AppendLine(inv, $"| {stage} | {(stage == SendStages.Record ? "beside the sends (one task)" : inside ? $"the send phase, summed over {Connections(stage)} parallel sends" : "turn")} | {count / studio.Count:N0} | {ms / studio.Count:N0} | {ms * 1000 / sent:F0} | {(inside ? "" : $"{ms / wall * 100:F1} %")} |");
        }

        var accounted = Sequential.Sum(stage => Stages.GetValueOrDefault(stage).Ms);
        s.AppendLine(inv, $"| (not in a stage: between passes, the campaign's launch is outside the timer) | turn | | {(wall - accounted) / studio.Count:N0} | {(wall - accounted) * 1000 / sent:F0} | {(wall - accounted) / wall * 100:F1} % |");
        return s.ToString();

        static string Connections(string stage) => stage == SendStages.Record ? "1" : "8";
    }

    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## compare-send — the studio's send pipeline vs a bare MailKit loop, same messages and connections, alternating runs");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.Append(inv, $"{Customers:N0} customers (95 % opted in: {Messages:N0} recipients), messages of ~{Bytes:N0} bytes, 8 connections to Postfix's smtp-sink on loopback, on SQLite. ");
        s.Append(inv, $"Studio: a new campaign per run, launched (not timed), then `CampaignSender.RunOnceAsync` until done with the studio's defaults (batch {BatchSize}, in-flight window {InFlightWindow}): ");
        s.AppendLine("lease, consent re-check, render, tracked links, MIME, SMTP through the studio's pool, ledger. Peer: 8 tasks, each its own MailKit `SmtpClient` on a socket with " +
            "NoDelay, connected before the timer, sending the very `MimeMessage`s the pipeline built in its warm-up run (no database, no rendering). " +
            "Third, as a diagnosis: the studio's transport alone (its SMTP pool and retry pipeline, called as the send phase calls them, 8 parallel sends) on the same messages. " +
            "CPU and allocations are this process's (smtp-sink runs apart).");
        s.AppendLine();
        s.AppendLine("| pair | side | sent | seconds | msg/s | CPU a message | allocated a message | smtp-sink's CPU a message | 1-min load at start |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Runs)
        {
            s.AppendLine(inv, $"| {r.Pair} | {r.Side} | {r.Sent:N0} | {r.Seconds:F2} | {r.PerSecond:N0} | {r.CpuMicrosecondsPerMessage:F0} µs | {r.AllocatedBytesPerMessage / 1024:F1} KB | {(r.SinkMicrosecondsPerMessage is { } sink ? $"{sink:F0} µs" : "?")} | {r.Load} |");
        }

        s.AppendLine();
        s.AppendLine(inv, $"**Ratio (studio / bare loop, median msg/s): {Ratio:F2}** (target ≥ 0.8: {(Ratio >= 0.8 ? "met" : "not met")}).");
        s.AppendLine();
        s.AppendLine(inv, $"The studio's transport alone / bare loop: {TransportRatio:F2}. CPU a message, studio / loop (median of the pairs): {CpuRatio:F1}×.");
        s.AppendLine();
        s.AppendLine("Where the pipeline's time goes (`SendStages`, summed over the studio runs). A batch's turn stages run one after another; render, links, MIME, window and transport run inside the send phase on 8 parallel sends, and the ledger records beside them:");
        s.AppendLine();
        s.Append(StageTable());
        s.AppendLine();
        s.Append(FloorText());
        return s.ToString();
    }
}
