namespace CampaignStudio.Flows;

/// <summary>The flow engine's knobs (configuration section <c>Flows:Engine</c>).</summary>
public sealed class FlowEngineOptions
{
    public const string Section = "Flows:Engine";

    /// <summary>Whether this process runs the engine (one instance at a time does, by the "flow-engine" lease).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The wait between passes when a pass found nothing to do.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Due customers moved per pass.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Events (and purchases) read per pass.</summary>
    public int EventBatchSize { get; set; } = 1_000;

    /// <summary>How long a customer being moved is held; a crashed engine's customers are due again after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the cluster-wide "flow-engine" lease lives unrenewed: after a crash another instance takes over after this.</summary>
    public TimeSpan ClusterLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often segment-entry and date triggers look for customers to enter.</summary>
    public TimeSpan TriggerCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Names this engine in the lease columns; machine, process id and a random part when empty.</summary>
    public string? WorkerId { get; set; }

    public string ResolveWorkerId() =>
        string.IsNullOrWhiteSpace(WorkerId) ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}" : WorkerId;
}
