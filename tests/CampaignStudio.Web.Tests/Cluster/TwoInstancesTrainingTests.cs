using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training;
using CampaignStudio.Training.Offers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Cluster;

/// <summary>
/// Two studio instances over one SQLite file (and one data folder, as servers behind a load balancer share storage) train
/// offer policies: each run's state lives in the database, so both show the same running or failed run, a second start on
/// either is refused in words, and a run whose instance died shows as interrupted and may be started again.
/// </summary>
public sealed class TwoInstancesTrainingTests : IAsyncLifetime
{
    private const string Costs = """{"margin":0.40,"arms":{"Mail":{"discount":0,"messageCost":0.01,"redemptionCost":0},"10 % off":{"discount":0.10,"messageCost":0.01,"redemptionCost":0},"20 % off":{"discount":0.20,"messageCost":0.01,"redemptionCost":0}}}""";

    private readonly StudioAppFactory _a = new();
    private readonly StudioAppFactory _b = new();
    private HttpClient _onA = null!;
    private HttpClient _onB = null!;

    public async Task InitializeAsync()
    {
        // Heartbeats every 200 ms, so a cancel asked on the other instance arrives quickly; a run is interrupted after 2 minutes of silence.
        foreach (var app in new[] { _a, _b })
        {
            app.Settings["Training:HeartbeatInterval"] = "00:00:00.200";
            app.Settings["Training:InterruptedAfter"] = "00:02:00";
        }

        _b.Settings["Database:DataFolder"] = _a.DataFolder;
        _b.UseClock(_a.Clock);
        _ = _a.Services;
        _ = _b.Services;
        _onA = await ClientAsync(_a);
        _onB = await ClientAsync(_b);
    }

    public async Task DisposeAsync()
    {
        _onA.Dispose();
        _onB.Dispose();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    private static async Task<HttpClient> ClientAsync(StudioAppFactory app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));
        return client;
    }

    private async Task<int> ImportAsync(int customers, int seed)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(customers, seed)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        form.Add(new StringContent("offer"), "armColumn");
        form.Add(new StringContent(OfferShopCsv.NoMessage), "controlArm");
        form.Add(new StringContent("customer_id"), "id");
        var created = await _onA.PostAsync("/api/experiments/import", form);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> PolicyAsync(HttpClient client, int id)
    {
        var read = await client.GetAsync($"/api/experiments/{id}/policy");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<string> RefusedAsync(HttpClient client, int id)
    {
        var refused = await client.PostAsync($"/api/experiments/{id}/policy", Json(Costs));
        var body = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task ARunStartedOnOneInstanceIsSeenRunningOnTheOtherAndRefusedThere()
    {
        var id = await ImportAsync(1_200, seed: 11);
        var jobsOnA = _a.Services.GetRequiredService<TrainingJobs<OfferPolicyJobs>>();
        var release = new TaskCompletionSource();
        var holding = new TaskCompletionSource();
        var run = await jobsOnA.StartAsync(id, async report =>
        {
            report.Report(0.3, "Holding the run open");
            holding.SetResult();
            await release.Task;
        });
        await holding.Task;

        (await PolicyAsync(_onB, id)).GetProperty("status").GetString().ShouldBe("running");
        var refusedOnB = await RefusedAsync(_onB, id);
        var refusedOnA = await RefusedAsync(_onA, id);

        refusedOnB.ShouldContain("A policy is already being trained for this experiment");
        refusedOnB.ShouldContain(jobsOnA.InstanceName);
        refusedOnA.ShouldBe(refusedOnB);
        release.SetResult();
        await run;

        // Once it is over, the other instance may train: its real training is then done on both.
        var started = await _onB.PostAsync($"/api/experiments/{id}/policy", Json(Costs));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        await _b.Services.GetRequiredService<OfferPolicyJobs>().Completion(id)!;
        var onA = await PolicyAsync(_onA, id);
        onA.GetProperty("status").GetString().ShouldBe("done", onA.ToString());
        onA.GetProperty("customers").GetInt32().ShouldBe(1_200);
    }

    [Fact]
    public async Task ARunLeftRunningByADeadInstanceShowsInterruptedAndCanBeStartedAgain()
    {
        var id = await ImportAsync(1_200, seed: 12);
        var now = _a.Clock.GetUtcNow().UtcDateTime;
        await using (var db = await _a.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // What an instance that died mid-training leaves behind: a running run whose heartbeat stops.
            db.TrainingRuns.Add(new TrainingRun
            {
                Kind = TrainingKind.Offers, ExperimentId = id, State = TrainingRunState.Running, Progress = 0.4, Stage = "Learning the value of 4 offers",
                InstanceName = "web-3/4242/deadbeef", StartedAt = now, HeartbeatAt = now,
            });
            await db.SaveChangesAsync();
        }

        (await PolicyAsync(_onB, id)).GetProperty("status").GetString().ShouldBe("running");
        (await RefusedAsync(_onB, id)).ShouldContain("web-3/4242/deadbeef");

        _a.Clock.Advance(TimeSpan.FromMinutes(3));

        foreach (var client in new[] { _onA, _onB })
        {
            var read = await PolicyAsync(client, id);
            read.GetProperty("status").GetString().ShouldBe("failed");
            read.GetProperty("error").GetString()!.ShouldStartWith("Interrupted: the studio instance running it (web-3/4242/deadbeef) stopped answering");
        }

        var restarted = await _onB.PostAsync($"/api/experiments/{id}/policy", Json(Costs));
        restarted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await restarted.Content.ReadAsStringAsync());
        await _b.Services.GetRequiredService<OfferPolicyJobs>().Completion(id)!;
        (await PolicyAsync(_onA, id)).GetProperty("status").GetString().ShouldBe("done");
        await using var check = await _a.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var runs = await check.TrainingRuns.Where(r => r.ExperimentId == id).OrderBy(r => r.Id).ToListAsync();
        runs.Select(r => r.State).ShouldBe([TrainingRunState.Failed, TrainingRunState.Succeeded]);
        runs[0].Error!.ShouldStartWith("Interrupted");
    }

    [Fact]
    public async Task AFailingTrainerEndsFailedWithWordsOnEveryInstance()
    {
        var id = await ImportAsync(1_200, seed: 13);
        var jobsOnA = _a.Services.GetRequiredService<TrainingJobs<OfferPolicyJobs>>();

        await await jobsOnA.StartAsync(id, report =>
        {
            report.Report(0.5, "Learning");
            throw new ArgumentException("'10 % off' has no customer who bought after the send.");
        });

        foreach (var client in new[] { _onA, _onB })
        {
            var read = await PolicyAsync(client, id);
            read.GetProperty("status").GetString().ShouldBe("failed");
            read.GetProperty("error").GetString().ShouldBe("'10 % off' has no customer who bought after the send.");
        }
    }

    [Fact]
    public async Task ACancelAskedOnTheOtherInstanceStopsTheRunAtItsNextHeartbeat()
    {
        var id = await ImportAsync(1_200, seed: 14);
        var jobsOnA = _a.Services.GetRequiredService<TrainingJobs<OfferPolicyJobs>>();
        var holding = new TaskCompletionSource();
        var run = await jobsOnA.StartAsync(id, async report =>
        {
            report.Report(0.2, "Training");
            holding.SetResult();
            await Task.Delay(Timeout.Infinite, report.Cancellation);
        });
        await holding.Task;

        await _b.Services.GetRequiredService<TrainingJobs<OfferPolicyJobs>>().CancelAsync(id);
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        (await _b.Services.GetRequiredService<TrainingJobs<OfferPolicyJobs>>().StatusAsync(id))!.State.ShouldBe(TrainingRunState.Cancelled);
    }
}
