namespace CampaignStudio.Domain.Auditing;

/// <summary>Who did what to which record, for accountability (privacy requests, consent changes, launches).</summary>
public class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string? EntityType { get; set; }
    public string? EntityId { get; set; }
    public string? DetailsJson { get; set; }
}
