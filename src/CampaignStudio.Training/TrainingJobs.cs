using System.Collections.Concurrent;

namespace CampaignStudio.Training;

/// <summary>Where a background training stands.</summary>
public enum TrainingState
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// <summary>A background training's state, progress (0–1), stage in words, and the reason when it failed.</summary>
public sealed record TrainingProgress(TrainingState State, double Progress, string Stage, string? Error)
{
    public bool IsRunning => State is TrainingState.Queued or TrainingState.Running;
}

/// <summary>What a running training may do: say how far it is, and notice when the marketer cancelled it.</summary>
public sealed class TrainingReport
{
    private readonly CancellationTokenSource _cancel = new();

    internal TrainingReport()
    {
    }

    public CancellationToken Cancellation => _cancel.Token;

    internal TrainingProgress Progress { get; private set; } = new(TrainingState.Queued, 0, "Queued", null);

    internal Task? Task { get; set; }

    /// <summary>The training is at <paramref name="progress"/> (0–1), doing <paramref name="stage"/>.</summary>
    public void Report(double progress, string stage) => Progress = new TrainingProgress(TrainingState.Running, progress, stage, null);

    internal void Cancel() => _cancel.Cancel();

    internal void Finish(TrainingState state, string? error) => Progress = state == TrainingState.Done
        ? new TrainingProgress(TrainingState.Done, 1, "Done", null)
        : new TrainingProgress(state, Progress.Progress, state == TrainingState.Cancelled ? "Cancelled" : "Failed", error);
}

/// <summary>
/// The one background training mechanism of the experiment features (uplift models, offer policies): one job per experiment
/// at a time, run on the thread pool and never on a user's circuit or request; the page and the API start it, poll its
/// progress, may cancel it, and read the stored result when it is done. Generic over the job's class only so that each kind
/// of training is its own singleton. Per instance: another instance or a restart sees only the stored result.
/// </summary>
/// <typeparam name="TJob">The feature's job class (its training and its store).</typeparam>
public sealed class TrainingJobs<TJob>(ILogger<TJob> log)
{
    /// <summary>Shown when a training failed for a reason nobody put into words; the log has the exception.</summary>
    public const string UnexpectedFailure = "The training failed unexpectedly; the log has the details.";

    private readonly ConcurrentDictionary<int, TrainingReport> _jobs = new();

    public TrainingProgress? Status(int experimentId) => _jobs.TryGetValue(experimentId, out var job) ? job.Progress : null;

    /// <summary>The experiment's last job, to await its end; null when none was started here.</summary>
    public Task? Completion(int experimentId) => _jobs.TryGetValue(experimentId, out var job) ? job.Task : null;

    /// <summary>Starts <paramref name="train"/> unless a job for the experiment is running; returns the running job's task either way.</summary>
    public Task Start(int experimentId, Func<TrainingReport, Task> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var job = _jobs.AddOrUpdate(experimentId, _ => new TrainingReport(), (_, existing) => existing.Progress.IsRunning ? existing : new TrainingReport());
        lock (job)
        {
            job.Task ??= Task.Run(() => RunAsync(experimentId, job, train), CancellationToken.None);
            return job.Task;
        }
    }

    public void Cancel(int experimentId)
    {
        if (_jobs.TryGetValue(experimentId, out var job))
        {
            job.Cancel();
        }
    }

    private async Task RunAsync(int experimentId, TrainingReport job, Func<TrainingReport, Task> train)
    {
        try
        {
            await train(job);
            job.Finish(TrainingState.Done, null);
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            job.Finish(TrainingState.Cancelled, null);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // The trainers and loaders say in words what is missing (too few customers in an arm, no revenue).
            log.LogWarning(ex, "{Job} for experiment {ExperimentId} failed", typeof(TJob).Name, experimentId);
            job.Finish(TrainingState.Failed, ex.Message);
        }
        catch (Exception ex)
        {
            // A background job must end in a state the page can show, whatever went wrong.
            log.LogError(ex, "{Job} for experiment {ExperimentId} failed", typeof(TJob).Name, experimentId);
            job.Finish(TrainingState.Failed, UnexpectedFailure);
        }
    }
}
