using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain.Bounces;

namespace CampaignStudio.Messaging.Bounces.Providers;

/// <summary>
/// Postmark's Bounce and SpamComplaint webhooks. Postmark does not sign them; the studio gives the webhook URL HTTP basic
/// credentials (set in Postmark as https://user:password@…) and refuses requests without them.
/// </summary>
public static class Postmark
{
    /// <summary>Bounce types that say the address is gone for good.</summary>
    private static readonly HashSet<string> Hard = new(StringComparer.OrdinalIgnoreCase) { "HardBounce", "BadEmailAddress", "ManuallyDeactivated" };

    /// <summary>Passing trouble: only repeated ones suppress. Auto-replies, subscription notices and the like are not bounces.</summary>
    private static readonly HashSet<string> Soft = new(StringComparer.OrdinalIgnoreCase) { "SoftBounce", "Transient", "DnsError", "Blocked", "DMARCPolicy", "Unknown" };

    /// <summary>Whether the request's Authorization header carries exactly these credentials (compared in constant time).</summary>
    public static bool CredentialsMatch(string? authorization, string user, string password)
    {
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password) || !AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return false;
        }

        Span<byte> given = new byte[header.Parameter.Length];
        if (!Convert.TryFromBase64String(header.Parameter, given, out var length))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given[..length], Encoding.UTF8.GetBytes($"{user}:{password}"));
    }

    public static IReadOnlyList<ProviderEvent> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var type = root.Text("Type") ?? "";
        var kind = root.Text("RecordType") == "SpamComplaint" || type == "SpamComplaint" ? BounceKind.Complaint
            : Hard.Contains(type) ? BounceKind.Hard
            : Soft.Contains(type) ? BounceKind.Soft
            : (BounceKind?)null;
        if (kind is not { } k || root.Text("ID") is not { } id)
        {
            return [];
        }

        var details = root.Text("Details");
        var words = string.Join(": ", new[] { root.Text("Description"), details }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return [new ProviderEvent(EmailProvider.Postmark, id, k, ProviderJson.EnhancedCode(details), $"Postmark {type}" + (words.Length > 0 ? $": {words}" : ""),
            root.Text("Email"), root.Child("Metadata").Text(ProviderHeaders.MetadataName), null, ProviderJson.Time(root.Text("BouncedAt")), ProviderJson.Evidence(root))];
    }
}
