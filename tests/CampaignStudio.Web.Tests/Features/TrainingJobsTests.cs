using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The experiments' one background training mechanism, used by uplift models and offer policies alike, on the studio's real database.</summary>
public sealed class TrainingJobsTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>A kind of training of its own for these tests (its runs are "Offers" runs, of experiments no other test trains).</summary>
    public sealed class Job : ITrainingJob
    {
        public static TrainingKind Kind => TrainingKind.Offers;
    }

    private TrainingJobs<Job> Jobs => app.Services.GetRequiredService<TrainingJobs<Job>>();

    private Task<int> ExperimentAsync(string name) =>
        new ExperimentTestBuilder(app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>())
            .RatesAsync(name, ExperimentStatus.Finished, app.Clock.GetUtcNow().UtcDateTime.AddDays(-10), new ArmRows("No message", 10, 1), new ArmRows("Mail", 10, 2));

    [Fact]
    public async Task OneJobPerExperimentRunsAtATimeAndReportsItsProgressUntilDone()
    {
        var jobs = Jobs;
        var experiment = await ExperimentAsync("One at a time");
        var other = await ExperimentAsync("Never trained");
        var release = new TaskCompletionSource();
        var reported = new TaskCompletionSource();
        var runs = 0;
        var first = await jobs.StartAsync(experiment, async report =>
        {
            Interlocked.Increment(ref runs);
            report.Report(0.4, "Halfway");
            reported.SetResult();
            await release.Task;
        });
        await reported.Task;

        var refused = await Should.ThrowAsync<TrainingRefusedException>(() => jobs.StartAsync(experiment, _ => throw new InvalidOperationException("must not run while the first does")));

        refused.Message.ShouldContain("already being trained for this experiment");
        refused.Message.ShouldContain(jobs.InstanceName);
        (await jobs.StatusAsync(experiment)).ShouldBe(new TrainingProgress(TrainingRunState.Running, 0.4, "Halfway", null));
        (await jobs.StatusAsync(other)).ShouldBeNull();
        release.SetResult();
        await first;
        (await jobs.StatusAsync(experiment)).ShouldBe(new TrainingProgress(TrainingRunState.Succeeded, 1, "Done", null));
        runs.ShouldBe(1);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var run = await db.TrainingRuns.SingleAsync(r => r.ExperimentId == experiment);
        run.ShouldSatisfyAllConditions(
            r => r.State.ShouldBe(TrainingRunState.Succeeded),
            r => r.InstanceName.ShouldBe(jobs.InstanceName),
            r => r.FinishedAt!.Value.ShouldBeGreaterThanOrEqualTo(r.StartedAt));
    }

    [Fact]
    public async Task AFailureInWordsIsShownAsSaidAndAnyOtherAsAnUnexpectedFailure()
    {
        var jobs = Jobs;
        var inWords = await ExperimentAsync("Fails in words");
        var unexpected = await ExperimentAsync("Fails unexpectedly");

        await await jobs.StartAsync(inWords, _ => throw new ArgumentException("'Mail' has 12 customers."));
        await await jobs.StartAsync(unexpected, _ => throw new IOException("disk full"));

        (await jobs.StatusAsync(inWords))!.ShouldSatisfyAllConditions(s => s.State.ShouldBe(TrainingRunState.Failed), s => s.Error.ShouldBe("'Mail' has 12 customers."));
        (await jobs.StatusAsync(unexpected))!.ShouldSatisfyAllConditions(s => s.State.ShouldBe(TrainingRunState.Failed), s => s.Error.ShouldBe(TrainingJobs<Job>.UnexpectedFailure));

        // A finished job does not block the next one.
        await await jobs.StartAsync(inWords, _ => Task.CompletedTask);
        (await jobs.StatusAsync(inWords))!.State.ShouldBe(TrainingRunState.Succeeded);
    }

    [Fact]
    public async Task ACancelledJobStopsAtItsNextCheckAndSaysSo()
    {
        var jobs = Jobs;
        var experiment = await ExperimentAsync("Cancelled");
        var started = new TaskCompletionSource();
        var task = await jobs.StartAsync(experiment, async report =>
        {
            report.Report(0.2, "Training");
            started.SetResult();
            await Task.Delay(Timeout.Infinite, report.Cancellation);
        });
        await started.Task;

        await jobs.CancelAsync(experiment);
        await task;

        (await jobs.StatusAsync(experiment)).ShouldBe(new TrainingProgress(TrainingRunState.Cancelled, 0.2, "Cancelled", null));
    }
}
