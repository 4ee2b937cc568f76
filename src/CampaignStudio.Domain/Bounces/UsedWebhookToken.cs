namespace CampaignStudio.Domain.Bounces;

/// <summary>
/// A one-time token of a provider webhook that was accepted (Mailgun's signature covers a timestamp and a token, not the
/// event, so a token seen twice is a replay). Kept a day, far beyond the freshness window.
/// </summary>
public class UsedWebhookToken
{
    public long Id { get; set; }

    /// <summary>The provider's name, e.g. "Mailgun".</summary>
    public string Provider { get; set; } = "";

    public string Token { get; set; } = "";

    public DateTime UsedAt { get; set; }
}
