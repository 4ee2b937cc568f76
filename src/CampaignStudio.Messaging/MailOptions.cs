using CampaignStudio.Messaging.Transport;

namespace CampaignStudio.Messaging;

/// <summary>The configuration section <c>Mail</c>.</summary>
public sealed class MailOptions
{
    public const string SectionName = "Mail";
    public const string PickupTransport = "Pickup";
    public const string SmtpTransport = "Smtp";

    /// <summary><c>Pickup</c> (default: .eml files in a folder) or <c>Smtp</c>.</summary>
    public string Transport { get; set; } = PickupTransport;

    /// <summary>Relative paths are resolved against the application's content root.</summary>
    public string PickupFolder { get; set; } = "data/outbox";

    public SmtpOptions Smtp { get; set; } = new();

    public SendOptions Send { get; set; } = new();
}
