using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Bench;

/// <summary>
/// Events in through the real endpoint (issue 15): the customers are imported with the import bench's CSV, the built web
/// app runs as its own process on that SQLite file, and two client tasks post <c>POST /api/events</c> batches of 100 and
/// of 1,000 with a Marketer's API key. Counts events per second end to end (answer received = committed) and checks
/// that every accepted event is one row.
/// </summary>
public static class EventsBenchmark
{
    public const int Clients = 2;

    public static async Task<EventsResult> RunAsync(string repo, BenchWorkspace workspace, int customers, bool quick, CancellationToken ct)
    {
        var eventsPerRun = quick ? 20_000 : 200_000;
        var (factory, emails) = await BenchStudio.ImportAsync(workspace, customers, "events", ct);
        var port = ColdStartBenchmark.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        var log = new StringBuilder();

        // The bench measures ingestion, not the limit: one key may post as fast as it can.
        using var process = await BenchStudio.StartAsync(repo, workspace, baseUri, ["--Campaigns:Worker:Enabled=false", "--Events:RateLimitRequests=1000000"], log, "events", ct);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
            await ColdStartBenchmark.WaitForOkAsync(http, "/healthz", process, Stopwatch.StartNew(), log, ct);
            http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, await BenchStudio.MarketerKeyAsync(factory, "events bench", ct));

            var runs = new List<EventsRun>();
            foreach (var batchSize in new[] { 100, 1_000 })
            {
                var bodies = Bodies(emails, eventsPerRun, batchSize, runs.Count);
                await PostAsync(http, bodies.Take(2).ToList(), ct); // warm-up: JIT and connections, not timed (its events are not counted)
                long rowsBefore;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    rowsBefore = await db.CustomerEvents.LongCountAsync(ct);
                }

                var load = BenchStudio.LoadAverage();
                var watch = Stopwatch.StartNew();
                var (accepted, latencies) = await PostAsync(http, bodies.Skip(2).ToList(), ct);
                var seconds = watch.Elapsed.TotalSeconds;
                long rowsAfter;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    rowsAfter = await db.CustomerEvents.LongCountAsync(ct);
                }

                latencies.Sort();
                var run = new EventsRun(batchSize, (bodies.Count - 2) * batchSize, accepted, rowsAfter - rowsBefore, seconds,
                    latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.95)], load);
                Console.WriteLine($"events: batches of {batchSize}: {run.Events:N0} events in {seconds:F2} s = {run.EventsPerSecond:N0}/s (p50 {run.P50Ms:F0} ms, p95 {run.P95Ms:F0} ms per request)");
                runs.Add(run);
            }

            return new EventsResult(customers, quick, runs);
        }
        finally
        {
            await BenchStudio.StopAsync(process);
        }
    }

    /// <summary>The request bodies, built before the clock starts so the client's JSON work is not timed; seeded, distinct event ids.</summary>
    private static List<byte[]> Bodies(string[] emails, int events, int batchSize, int run)
    {
        var rng = new Random(20_261_203 + run);
        var bodies = new List<byte[]>();
        for (var b = 0; b < events / batchSize + 2; b++)
        {
            var batch = Enumerable.Range(0, batchSize).Select(i => new
            {
                eventId = $"bench-{run}-{b}-{i}",
                type = TrackedEvents.ShopEventTypes[rng.Next(TrackedEvents.ShopEventTypes.Count)],
                email = emails[rng.Next(emails.Length)],
                properties = new { product = "SKU-" + rng.Next(5_000).ToString(CultureInfo.InvariantCulture), price = Math.Round(rng.NextDouble() * 200, 2) },
            });
            bodies.Add(JsonSerializer.SerializeToUtf8Bytes(new { events = batch }));
        }

        return bodies;
    }

    private static async Task<(long Accepted, List<double> LatenciesMs)> PostAsync(HttpClient http, List<byte[]> bodies, CancellationToken ct)
    {
        var next = -1;
        long accepted = 0;
        var latencies = new List<double>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(bodies[index]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync("/api/events", content, ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"POST /api/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }

                var answer = await response.Content.ReadFromJsonAsync<Answer>(ct);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Add(ref accepted, answer!.Accepted);
                lock (latencies)
                {
                    latencies.Add(ms);
                }
            }
        }, ct)));
        return (accepted, latencies);
    }

    private sealed record Answer(int Accepted, int Duplicates, int Refused);
}

public sealed record EventsRun(int BatchSize, long Events, long Accepted, long Rows, double Seconds, double P50Ms, double P95Ms, string Load)
{
    public double EventsPerSecond => Events / Seconds;
}

public sealed record EventsResult(int Customers, bool Quick, IReadOnlyList<EventsRun> Runs)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"## events — events ingested per second through POST /api/events at {Customers:N0} customers ({(Quick ? "--quick" : "full size")})");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine(string.Create(inv, $"{Customers:N0} customers imported with the import bench's CSV into a migrated SQLite file; the built web app ") +
            "(`CampaignStudio.Web.dll`, Development, send worker off, rate limit lifted) serves it as its own process on loopback; " +
            string.Create(inv, $"{EventsBenchmark.Clients} client tasks post batches with a Marketer's API key (`X-Api-Key`), each event a shop event type for a random imported customer ") +
            "with a small properties object and its own event id. Bodies are built before the clock starts; two warm-up requests are not counted. " +
            "An answer is received only after the batch is committed, so events/s is stored events per second.");
        s.AppendLine();
        s.AppendLine("| batch | events | seconds | **events/s** | request p50 | request p95 | accepted | new rows | load at start |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Runs)
        {
            s.AppendLine(inv, $"| {r.BatchSize:N0} | {r.Events:N0} | {r.Seconds:F2} | **{r.EventsPerSecond:N0}** | {r.P50Ms:F0} ms | {r.P95Ms:F0} ms | {r.Accepted:N0} | {r.Rows:N0} | {r.Load} |");
        }

        s.AppendLine();
        var complete = Runs.All(r => r.Accepted == r.Events && r.Rows == r.Events);
        s.AppendLine("**Verdict:** no numeric target was set; " + (complete ? "every posted event was accepted and is one row" : "**not every posted event was accepted as one row — look at the log**") +
            ". Client and server share the machine's cores.");
        return s.ToString();
    }
}
