namespace CampaignStudio.Web.Features.Webhooks;

/// <summary>How strictly provider webhooks are checked (configuration section <c>Bounces:Webhooks</c>).</summary>
public sealed class ProviderWebhookOptions
{
    public const string Section = "Bounces:Webhooks";

    /// <summary>
    /// Hosts SNS signing certificates (and subscription confirmations) may come from, comma-separated; a <c>*</c> stands for
    /// one DNS label. Anything else is refused before it is fetched: a certificate from any host would prove nothing.
    /// </summary>
    public string SnsHosts { get; set; } = "sns.*.amazonaws.com";

    /// <summary>Plain http for those URLs: for a test's local certificate server only, never in production.</summary>
    public bool AllowHttpForSns { get; set; }

    /// <summary>How old an SNS message may be. SNS keeps the first timestamp on retries, which its default policy spreads over about an hour.</summary>
    public TimeSpan SnsMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far a SendGrid or Mailgun signature's timestamp may be from now: older requests are replays or too late.</summary>
    public TimeSpan SignedRequestMaxAge { get; set; } = TimeSpan.FromMinutes(5);
}
