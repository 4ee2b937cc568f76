namespace CampaignStudio.Data.Cluster;

/// <summary>
/// One row per job that must run on one studio instance at a time (startup work, a queued import, a clustering run).
/// Whoever holds an unexpired row owns the job; a crashed instance stops renewing, so its rows expire and others take over.
/// </summary>
public sealed class JobLease
{
    public const int NameLength = 120;
    public const int OwnerLength = 120;

    public string Name { get; set; } = "";

    public string Owner { get; set; } = "";

    public DateTime ExpiresAt { get; set; }
}
