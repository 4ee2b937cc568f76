namespace CampaignStudio.Domain.Experiments;

/// <summary>What a background training learns from an experiment.</summary>
public enum TrainingKind
{
    /// <summary>Uplift models: who is persuaded by the e-mail.</summary>
    Uplift,

    /// <summary>Which offer for whom: a policy over the experiment's arms.</summary>
    Offers,
}

/// <summary>Where a training run stands.</summary>
public enum TrainingRunState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// One background training of an experiment, as every studio instance sees it: the instance that runs it writes its state,
/// progress and a heartbeat here, so a page on any instance shows the same running or failed state, and a run whose
/// instance died (no heartbeat for a while) reads as failed, "interrupted", and may be started again.
/// </summary>
public sealed class TrainingRun
{
    public const int StageLength = 300;
    public const int InstanceLength = 120;

    public long Id { get; set; }

    public TrainingKind Kind { get; set; }

    public int ExperimentId { get; set; }

    public TrainingRunState State { get; set; }

    /// <summary>How far the run is, 0–1, as of its last heartbeat.</summary>
    public double Progress { get; set; }

    /// <summary>What the run is doing, in words, as of its last heartbeat.</summary>
    public string Stage { get; set; } = "";

    /// <summary>Why the run failed, in words; null unless it failed.</summary>
    public string? Error { get; set; }

    /// <summary>The studio instance that runs (or ran) it.</summary>
    public string InstanceName { get; set; } = "";

    /// <summary>When it was started (queued).</summary>
    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>When the running instance last said it is alive; written while training.</summary>
    public DateTime HeartbeatAt { get; set; }

    /// <summary>Someone asked to cancel it (on any instance); the running instance stops at its next heartbeat.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Queued or running, as written (see <see cref="WasAbandoned"/> for runs whose instance died).</summary>
    public bool IsActive => State is TrainingRunState.Queued or TrainingRunState.Running;

    /// <summary>
    /// The one rule for "its instance died": written as queued or running, but no heartbeat for longer than
    /// <paramref name="silence"/>. Such a run shows as failed (<see cref="Interrupted"/>) and does not block a new one.
    /// </summary>
    public bool WasAbandoned(DateTime now, TimeSpan silence) => IsActive && now - HeartbeatAt > silence;

    /// <summary>The words a run that was abandoned shows.</summary>
    public string Interrupted() =>
        $"Interrupted: the studio instance running it ({InstanceName}) stopped answering after {HeartbeatAt:yyyy-MM-dd HH:mm} UTC. Start it again.";
}
