namespace CampaignStudio.Domain.Identity;

/// <summary>A per-user key for the REST API; only its hash is stored.</summary>
public class ApiKey
{
    public int Id { get; set; }
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>First characters of the key, shown so the user can tell keys apart.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>SHA-256 of the whole key, hex.</summary>
    public string KeyHash { get; set; } = "";

    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>A studio-wide setting (sender identity, postal address, ...).</summary>
public class StudioSetting
{
    public string Key { get; set; } = "";
    public string? Value { get; set; }
    public DateTime UpdatedAt { get; set; }
}
