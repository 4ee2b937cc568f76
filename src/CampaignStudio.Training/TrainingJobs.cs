using System.Collections.Concurrent;
using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Training;

/// <summary>A background training's state, progress (0–1), stage in words, and the reason when it failed.</summary>
public sealed record TrainingProgress(TrainingRunState State, double Progress, string Stage, string? Error)
{
    public bool IsRunning => State is TrainingRunState.Queued or TrainingRunState.Running;
}

/// <summary>A feature's training job class: which kind of run it writes.</summary>
public interface ITrainingJob
{
    static abstract TrainingKind Kind { get; }
}

/// <summary>A run of the same kind is already queued or running for the experiment, on this instance or another; the message says so.</summary>
public sealed class TrainingRefusedException(string message) : InvalidOperationException(message);

/// <summary>How often a running training says it is alive, and how long a silence means its instance died (<c>Training:*</c>).</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A queued or running run without a heartbeat for this long shows as failed, "interrupted", and may be started again.</summary>
    public TimeSpan InterruptedAfter { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>What a running training may do: say how far it is, and notice when the marketer cancelled it.</summary>
public sealed class TrainingReport
{
    private readonly CancellationTokenSource _cancel = new();

    internal TrainingReport(long runId)
    {
        RunId = runId;
    }

    public CancellationToken Cancellation => _cancel.Token;

    internal long RunId { get; }

    internal TrainingProgress Progress { get; private set; } = new(TrainingRunState.Queued, 0, "Queued", null);

    internal Task? Task { get; set; }

    /// <summary>The training is at <paramref name="progress"/> (0–1), doing <paramref name="stage"/>.</summary>
    public void Report(double progress, string stage) => Progress = new TrainingProgress(TrainingRunState.Running, progress, stage, null);

    internal void Cancel() => _cancel.Cancel();

    internal TrainingProgress Ended(TrainingRunState state, string? error) => state switch
    {
        TrainingRunState.Succeeded => new TrainingProgress(TrainingRunState.Succeeded, 1, "Done", null),
        TrainingRunState.Cancelled => new TrainingProgress(state, Progress.Progress, "Cancelled", null),
        _ => new TrainingProgress(state, Progress.Progress, "Failed", error),
    };

    internal void Finish(TrainingProgress ended) => Progress = ended;
}

/// <summary>
/// The one background training mechanism of the experiment features (uplift models, offer policies): one run per experiment
/// and kind at a time across every studio instance, run on the thread pool and never on a user's circuit or request; the page
/// and the API start it, poll its progress, may cancel it, and read the stored result when it is done. Each run is a row of
/// <see cref="TrainingRun"/>: the instance that runs it writes its state and a heartbeat, so every instance shows the same
/// state, a second start anywhere is refused, and a run whose instance died shows as interrupted. Generic over the job's class
/// so that each kind of training is its own singleton.
/// </summary>
/// <typeparam name="TJob">The feature's job class (its training and its store).</typeparam>
public sealed class TrainingJobs<TJob>(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ClusterLeases leases, TrainingOptions options,
    ILogger<TJob> log)
    where TJob : ITrainingJob
{
    /// <summary>Shown when a training failed for a reason nobody put into words; the log has the exception.</summary>
    public const string UnexpectedFailure = "The training failed unexpectedly; the log has the details.";

    private readonly ConcurrentDictionary<int, TrainingReport> _jobs = new();

    private static TrainingKind Kind => TJob.Kind;

    /// <summary>This studio instance, as its runs name it.</summary>
    public string InstanceName => leases.Owner;

    /// <summary>The experiment's latest run as every instance sees it; null when none was ever started.</summary>
    public async Task<TrainingProgress?> StatusAsync(int experimentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.TrainingRuns.AsNoTracking().Where(r => r.ExperimentId == experimentId && r.Kind == Kind).OrderByDescending(r => r.Id)
            .FirstOrDefaultAsync(ct);
        if (run is null)
        {
            return null;
        }

        // This instance runs it: its progress in memory is fresher than the last heartbeat.
        if (_jobs.TryGetValue(experimentId, out var here) && here.RunId == run.Id && here.Progress.IsRunning)
        {
            return here.Progress;
        }

        if (run.WasAbandoned(clock.GetUtcNow().UtcDateTime, options.InterruptedAfter))
        {
            return new TrainingProgress(TrainingRunState.Failed, run.Progress, "Interrupted", run.Interrupted());
        }

        return run.State switch
        {
            TrainingRunState.Succeeded => new TrainingProgress(run.State, 1, "Done", null),
            TrainingRunState.Failed => new TrainingProgress(run.State, run.Progress, "Failed", run.Error),
            TrainingRunState.Cancelled => new TrainingProgress(run.State, run.Progress, "Cancelled", null),
            _ => new TrainingProgress(run.State, run.Progress, run.Stage, null),
        };
    }

    /// <summary>The experiment's last job started on this instance, to await its end; null when none was started here.</summary>
    public Task? Completion(int experimentId) => _jobs.TryGetValue(experimentId, out var job) ? job.Task : null;

    /// <summary>
    /// Starts <paramref name="train"/> in the background and returns its task. A run of this kind that is queued or running for
    /// the experiment on any instance refuses the start (<see cref="TrainingRefusedException"/>, in words); one whose instance
    /// died is written as interrupted first and no longer blocks.
    /// </summary>
    public async Task<Task> StartAsync(int experimentId, Func<TrainingReport, Task> train, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var active = await db.TrainingRuns.Where(r => r.ExperimentId == experimentId && r.Kind == Kind
            && (r.State == TrainingRunState.Queued || r.State == TrainingRunState.Running)).ToListAsync(ct);
        var abandoned = active.Where(r => r.WasAbandoned(now, options.InterruptedAfter)).ToList();
        foreach (var run in abandoned)
        {
            run.Error = run.Interrupted();
            run.State = TrainingRunState.Failed;
            run.Stage = "Interrupted";
            run.FinishedAt = now;
        }

        if (abandoned.Count > 0)
        {
            await db.SaveChangesAsync(ct);
        }

        if (active.Except(abandoned).FirstOrDefault() is { } running)
        {
            throw Refused(running);
        }

        var started = new TrainingRun
        {
            Kind = Kind,
            ExperimentId = experimentId,
            State = TrainingRunState.Queued,
            Stage = "Queued",
            InstanceName = Trim(InstanceName, TrainingRun.InstanceLength),
            StartedAt = now,
            HeartbeatAt = now,
        };
        db.TrainingRuns.Add(started);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another instance started one between the check and the insert: the unique index on active runs refused ours.
            db.ChangeTracker.Clear();
            var winner = await db.TrainingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.ExperimentId == experimentId && r.Kind == Kind
                && (r.State == TrainingRunState.Queued || r.State == TrainingRunState.Running), ct);
            if (winner is null)
            {
                throw;
            }

            throw Refused(winner);
        }

        var job = new TrainingReport(started.Id);
        _jobs[experimentId] = job;
        job.Task = Task.Run(() => RunAsync(experimentId, job, train), CancellationToken.None);
        return job.Task;
    }

    /// <summary>Cancels the experiment's run: at once when it runs here, at its next heartbeat when it runs on another instance.</summary>
    public async Task CancelAsync(int experimentId, CancellationToken ct = default)
    {
        if (_jobs.TryGetValue(experimentId, out var job))
        {
            job.Cancel();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.TrainingRuns.Where(r => r.ExperimentId == experimentId && r.Kind == Kind && (r.State == TrainingRunState.Queued || r.State == TrainingRunState.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), ct);
    }

    private static TrainingRefusedException Refused(TrainingRun run)
    {
        var what = run.Kind == TrainingKind.Uplift ? "Uplift models are" : "A policy is";
        return new TrainingRefusedException(
            $"{what} already being trained for this experiment (started {run.StartedAt:yyyy-MM-dd HH:mm} UTC on {run.InstanceName}); " +
            "wait for that run to finish or cancel it before starting another.");
    }

    private async Task RunAsync(int experimentId, TrainingReport job, Func<TrainingReport, Task> train)
    {
        using var beating = new CancellationTokenSource();
        var heartbeat = Task.CompletedTask;
        TrainingProgress ended;
        try
        {
            await WriteAsync(job.RunId, TrainingRunState.Running, 0, "Starting", null, finished: false);
            job.Report(0, "Starting");
            heartbeat = HeartbeatAsync(job, beating.Token);
            await train(job);
            ended = job.Ended(TrainingRunState.Succeeded, null);
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            ended = job.Ended(TrainingRunState.Cancelled, null);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // The trainers and loaders say in words what is missing (too few customers in an arm, no revenue).
            log.LogWarning(ex, "{Job} for experiment {ExperimentId} failed", typeof(TJob).Name, experimentId);
            ended = job.Ended(TrainingRunState.Failed, ex.Message);
        }
        catch (Exception ex)
        {
            // A background job must end in a state the page can show, whatever went wrong.
            log.LogError(ex, "{Job} for experiment {ExperimentId} failed", typeof(TJob).Name, experimentId);
            ended = job.Ended(TrainingRunState.Failed, UnexpectedFailure);
        }

        await beating.CancelAsync();
        await heartbeat;
        try
        {
            await WriteAsync(job.RunId, ended.State, ended.Progress, ended.Stage, ended.Error, finished: true);
        }
        catch (Exception ex)
        {
            // The database is away: the run keeps its last heartbeat and every instance will show it as interrupted.
            log.LogError(ex, "Could not record the end of {Job} for experiment {ExperimentId}", typeof(TJob).Name, experimentId);
        }

        job.Finish(ended);
    }

    private async Task HeartbeatAsync(TrainingReport job, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.HeartbeatInterval, clock, stop);
                var progress = job.Progress;
                var now = clock.GetUtcNow().UtcDateTime;
                var stage = Trim(progress.Stage, TrainingRun.StageLength);
                await using var db = await dbFactory.CreateDbContextAsync(stop);
                await db.TrainingRuns.Where(r => r.Id == job.RunId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.HeartbeatAt, now)
                    .SetProperty(r => r.Progress, progress.Progress)
                    .SetProperty(r => r.Stage, stage), stop);

                // A cancel asked on another instance reaches the run here.
                if (await db.TrainingRuns.AnyAsync(r => r.Id == job.RunId && r.CancelRequested, stop))
                {
                    job.Cancel();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is briefly away: beat again next time; if it stays away the run will read as interrupted.
                log.LogWarning(ex, "Could not record the heartbeat of training run {RunId}", job.RunId);
            }
        }
    }

    private async Task WriteAsync(long runId, TrainingRunState state, double progress, string stage, string? error, bool finished)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? finishedAt = finished ? now : null;
        var words = error is null ? null : Trim(error, Limits.Description);
        var trimmed = Trim(stage, TrainingRun.StageLength);
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.TrainingRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, state)
            .SetProperty(r => r.Progress, progress)
            .SetProperty(r => r.Stage, trimmed)
            .SetProperty(r => r.Error, words)
            .SetProperty(r => r.HeartbeatAt, now)
            .SetProperty(r => r.FinishedAt, finishedAt), CancellationToken.None);
    }

    private static string Trim(string text, int length) => text.Length <= length ? text : text[..length];
}
