namespace CampaignStudio.Domain.Segments;

/// <summary>A named group of customers: defined by rules, found by clustering, or frozen as a list of members.</summary>
public class Segment
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public SegmentKind Kind { get; set; }

    /// <summary>The rule tree as versioned JSON (rule segments only).</summary>
    public string? RuleJson { get; set; }

    public int RuleVersion { get; set; } = 1;

    /// <summary>The clustering run a cluster segment came from.</summary>
    public int? ClusteringRunId { get; set; }

    public int? ClusterIndex { get; set; }

    /// <summary>The segment a snapshot was frozen from.</summary>
    public int? SourceSegmentId { get; set; }

    public int? MemberCount { get; set; }
    public DateTime? CountedAt { get; set; }

    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum SegmentKind
{
    /// <summary>Members are whoever matches the rules now.</summary>
    Rule,

    /// <summary>Members are a cluster of a clustering run, stored as a list.</summary>
    Cluster,

    /// <summary>Members frozen at a moment (e.g. a campaign's audience at launch).</summary>
    Snapshot,

    /// <summary>Members chosen by predicted uplift, stored as a list.</summary>
    Uplift,
}

/// <summary>Membership of a list-based segment (cluster, snapshot, uplift).</summary>
public class SegmentMember
{
    public int SegmentId { get; set; }
    public long CustomerId { get; set; }
}

/// <summary>A stored k-means run: features, k and the model file, so new customers can be scored into its clusters.</summary>
public class ClusteringRun
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public int? ScopeSegmentId { get; set; }
    public string FeaturesJson { get; set; } = "[]";
    public int K { get; set; }
    public int Seed { get; set; }
    public ClusteringStatus Status { get; set; }
    public double Progress { get; set; }
    public string? ModelPath { get; set; }

    /// <summary>Cluster profiles, names and projection sample as JSON.</summary>
    public string? ResultJson { get; set; }

    public string? Error { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

public enum ClusteringStatus
{
    Queued,
    Running,
    Finished,
    Failed,
    Cancelled,
}
