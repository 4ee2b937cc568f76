using System.Text.Json;
using MimeKit;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>
/// Puts the message's signed reference where each sending provider hands it back in its webhooks: our own header (Amazon
/// SES returns it among the original headers), and for the providers that only return their own metadata, their metadata
/// header — only for the providers the studio takes webhooks from, so mail sent through others carries no foreign headers.
/// The providers remove their metadata headers before delivery.
/// </summary>
public static class ProviderHeaders
{
    /// <summary>The metadata name the reference travels under in Postmark, SendGrid (custom args) and Mailgun (user variables).</summary>
    public const string MetadataName = "campaignstudio_message";

    public static void Stamp(MimeMessage message, string reference, IReadOnlySet<EmailProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        ArgumentNullException.ThrowIfNull(providers);
        message.Headers.Add(MessageReferences.Header, reference);
        var metadata = JsonSerializer.Serialize(new Dictionary<string, string> { [MetadataName] = reference });
        if (providers.Contains(EmailProvider.Postmark))
        {
            message.Headers.Add("X-PM-Metadata-" + MetadataName, reference);
        }

        if (providers.Contains(EmailProvider.SendGrid))
        {
            message.Headers.Add("X-SMTPAPI", $"{{\"unique_args\":{metadata}}}");
        }

        if (providers.Contains(EmailProvider.Mailgun))
        {
            message.Headers.Add("X-Mailgun-Variables", metadata);
        }
    }
}
