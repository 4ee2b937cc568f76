namespace CampaignStudio.Sending;

/// <summary>The send worker's knobs (configuration section <c>Campaigns:Worker</c>).</summary>
public sealed class SendWorkerOptions
{
    public const string Section = "Campaigns:Worker";

    /// <summary>Whether this process runs the send worker (a web instance can leave it to a separate worker process).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Names this worker in the lease columns; machine, process id and a random part when empty (two hosts in one process,
    /// or two containers with the same pid, are still two workers).
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>Messages leased at a time.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// The most messages handed to the transport whose result is not yet committed. A crash can repeat at most these
    /// (see docs/decisions/032-send-pipeline.md).
    /// </summary>
    public int InFlightWindow { get; set; } = 64;

    /// <summary>Sends at the same time; defaults to the SMTP pool size (Mail:Smtp:Connections).</summary>
    public int? Parallelism { get; set; }

    /// <summary>How long a lease holds; a crashed worker's rows are sent by the next worker after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A scheduled campaign found later than this past its time (downtime) waits for a person to confirm.</summary>
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Leases a message may take when it keeps failing transiently (each lease already retries with backoff).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Wait before a transiently failed message is leased again (times its attempt number).</summary>
    public TimeSpan RequeueDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether this worker also runs adaptive experiments' due rounds (one instance at a time does, by lease).</summary>
    public bool RunAdaptiveRounds { get; set; } = true;

    /// <summary>How often the round worker looks for due rounds; rounds are hours or days apart.</summary>
    public TimeSpan RoundCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether this worker also decides winner rollouts whose wait is over (one instance at a time does, by lease).</summary>
    public bool RunWinnerRollouts { get; set; } = true;

    /// <summary>Whether this worker also delivers outbound webhooks (one instance at a time does, by lease).</summary>
    public bool DeliverWebhooks { get; set; } = true;

    public string ResolveWorkerId() =>
        string.IsNullOrWhiteSpace(WorkerId) ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}" : WorkerId;
}
