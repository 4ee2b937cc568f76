namespace CampaignStudio.Data.Campaigns;

/// <summary>
/// A token bucket every send worker of every studio instance draws from, so a per-second sending limit holds in total and
/// not once per instance. Tokens are kept in thousandths so the refill (rate × elapsed milliseconds) stays an integer in
/// both databases.
/// </summary>
public sealed class SendAllowance
{
    public const int NameLength = 60;

    public string Name { get; set; } = "";

    /// <summary>Tokens left, in thousandths of a message.</summary>
    public long MilliTokens { get; set; }

    /// <summary>When the bucket was last refilled, in Unix milliseconds.</summary>
    public long RefilledAtMs { get; set; }

    /// <summary>What the last draw was granted (read back with RETURNING by the drawing worker).</summary>
    public long LastGrant { get; set; }
}
