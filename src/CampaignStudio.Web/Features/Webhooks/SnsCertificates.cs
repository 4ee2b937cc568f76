using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace CampaignStudio.Web.Features.Webhooks;

/// <summary>
/// The SNS signing certificates, fetched from the message's SigningCertURL only when that URL is https on an allowed host
/// (<see cref="ProviderWebhookOptions.SnsHosts"/>) and names a .pem file, and kept in memory by URL: SNS rotates certificates
/// by publishing new URLs, so a cached one never goes stale.
/// </summary>
public sealed class SnsCertificates(IHttpClientFactory http, ProviderWebhookOptions options)
{
    public const string HttpClientName = "sns";

    private readonly ConcurrentDictionary<string, X509Certificate2> _cache = new(StringComparer.Ordinal);

    /// <summary>Why the URL may not be used, or null when it may (the same rule for certificates and subscription confirmations).</summary>
    public string? Refusal(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "The URL is not an absolute URL.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(options.AllowHttpForSns && uri.Scheme == Uri.UriSchemeHttp))
        {
            return $"The URL {uri} is not https.";
        }

        var hosts = options.SnsHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return hosts.Any(h => HostMatches(h, uri.IdnHost)) ? null : $"The host {uri.IdnHost} is not an allowed SNS host ({options.SnsHosts}).";
    }

    public async Task<X509Certificate2> GetAsync(string url, CancellationToken ct)
    {
        if (_cache.TryGetValue(url, out var cached))
        {
            return cached;
        }

        if (Refusal(url) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }

        if (!new Uri(url).AbsolutePath.EndsWith(".pem", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The signing certificate URL {url} does not name a .pem file.");
        }

        using var client = http.CreateClient(HttpClientName);
        var pem = await client.GetStringAsync(new Uri(url), ct);
        var certificate = X509Certificate2.CreateFromPem(pem);
        return _cache.GetOrAdd(url, certificate);
    }

    /// <summary>A pattern label <c>*</c> matches exactly one DNS label; everything else literally, case-insensitive.</summary>
    private static bool HostMatches(string pattern, string host)
    {
        var regex = "^" + string.Join(@"\.", pattern.Split('.').Select(label => label == "*" ? "[a-z0-9-]+" : Regex.Escape(label))) + "$";
        return Regex.IsMatch(host, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
