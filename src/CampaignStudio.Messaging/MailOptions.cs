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

    /// <summary>Where <c>Pickup</c> writes; empty means <c>outbox</c> in the data folder, relative paths are under the data folder.</summary>
    public string? PickupFolder { get; set; }

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// The name server the DNS check in Settings asks, as <c>address</c> or <c>address:port</c>; empty means the machine's own
    /// resolver. Set it to ask a public resolver when the machine's resolver caches old answers.
    /// </summary>
    public string? NameServer { get; set; }

    public SendOptions Send { get; set; } = new();

    /// <summary>
    /// The pickup folder as a full path. Relative paths hang off the data folder, not the process's content root, so the web
    /// app and the worker host (two content roots, one data folder) write to the same place.
    /// </summary>
    public string PickupFolderUnder(string dataFolder) =>
        Path.GetFullPath(Path.Combine(dataFolder, string.IsNullOrWhiteSpace(PickupFolder) ? "outbox" : PickupFolder));
}
