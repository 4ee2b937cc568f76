using CampaignStudio.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The experiments' one background training mechanism, used by uplift models and offer policies alike.</summary>
public sealed class TrainingJobsTests
{
    private static TrainingJobs<TrainingJobsTests> Jobs() => new(NullLogger<TrainingJobsTests>.Instance);

    [Fact]
    public async Task OneJobPerExperimentRunsAtATimeAndReportsItsProgressUntilDone()
    {
        var jobs = Jobs();
        var release = new TaskCompletionSource();
        var reported = new TaskCompletionSource();
        var runs = 0;
        var first = jobs.Start(7, async report =>
        {
            Interlocked.Increment(ref runs);
            report.Report(0.4, "Halfway");
            reported.SetResult();
            await release.Task;
        });
        await reported.Task;

        var second = jobs.Start(7, _ => throw new InvalidOperationException("must not run while the first does"));

        second.ShouldBeSameAs(first);
        jobs.Status(7).ShouldBe(new TrainingProgress(TrainingState.Running, 0.4, "Halfway", null));
        jobs.Status(8).ShouldBeNull();
        release.SetResult();
        await jobs.Completion(7)!;
        jobs.Status(7).ShouldBe(new TrainingProgress(TrainingState.Done, 1, "Done", null));
        runs.ShouldBe(1);
    }

    [Fact]
    public async Task AFailureInWordsIsShownAsSaidAndAnyOtherAsAnUnexpectedFailure()
    {
        var jobs = Jobs();

        await jobs.Start(1, _ => throw new ArgumentException("'Mail' has 12 customers."));
        await jobs.Start(2, _ => throw new IOException("disk full"));

        jobs.Status(1)!.ShouldSatisfyAllConditions(s => s.State.ShouldBe(TrainingState.Failed), s => s.Error.ShouldBe("'Mail' has 12 customers."));
        jobs.Status(2)!.ShouldSatisfyAllConditions(s => s.State.ShouldBe(TrainingState.Failed), s => s.Error.ShouldBe(TrainingJobs<TrainingJobsTests>.UnexpectedFailure));

        // A finished job does not block the next one.
        await jobs.Start(1, _ => Task.CompletedTask);
        jobs.Status(1)!.State.ShouldBe(TrainingState.Done);
    }

    [Fact]
    public async Task ACancelledJobStopsAtItsNextCheckAndSaysSo()
    {
        var jobs = Jobs();
        var started = new TaskCompletionSource();
        var task = jobs.Start(3, async report =>
        {
            report.Report(0.2, "Training");
            started.SetResult();
            await Task.Delay(Timeout.Infinite, report.Cancellation);
        });
        await started.Task;

        jobs.Cancel(3);
        await task;

        jobs.Status(3).ShouldBe(new TrainingProgress(TrainingState.Cancelled, 0.2, "Cancelled", null));
    }
}
