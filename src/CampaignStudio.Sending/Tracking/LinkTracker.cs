using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Messaging.Links;

namespace CampaignStudio.Sending.Tracking;

/// <summary>
/// Rewrites the links of sent messages to signed redirect links. The target URL is signed into the link's token at send
/// time, so the redirect can only ever go where the message pointed (no open redirect), and a tampered token finds nothing.
/// Mail sent before decision 054 carries tokens of stored <c>TrackedLinks</c> rows instead; those still redirect.
/// </summary>
public static partial class LinkTracker
{
    public const string ClickRoute = TrackingLinks.ClickRoute;
    public const string OpenRoute = TrackingLinks.OpenRoute;

    /// <summary>The http(s) targets of a rendered HTML part, decoded, in order of appearance, without the unsubscribe link.</summary>
    public static IReadOnlyList<string> FindLinks(string html, string unsubscribeUrl)
    {
        var links = new List<string>();
        foreach (Match match in Href().Matches(html))
        {
            var url = WebUtility.HtmlDecode(match.Groups["url"].Value);
            if (url != unsubscribeUrl && url.Length <= Domain.Limits.Url && !links.Contains(url))
            {
                links.Add(url);
            }
        }

        return links;
    }

    /// <summary>
    /// A message's HTML with its links replaced by signed redirects and an open pixel added. The redirects come from the
    /// message's own <see cref="MessageLinks"/>, which only the send pipeline can mint live; each carries its target in the
    /// signed token, so nothing is stored per link (decision 054). A preview's links stay as written.
    /// </summary>
    public static string Rewrite(string html, MessageLinks links)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(links);
        var rewritten = Href().Replace(html, match =>
        {
            var url = WebUtility.HtmlDecode(match.Groups["url"].Value);
            return url != links.UnsubscribeUrl && url.Length <= Domain.Limits.Url && links.ClickUrl(url) is { } tracked
                ? $"{match.Groups["pre"].Value}{tracked}\""
                : match.Value;
        });
        return links.OpenPixelUrl is { } pixel ? AddPixel(rewritten, pixel) : rewritten;
    }

    private static string AddPixel(string html, string pixelUrl)
    {
        var pixel = $"<img src=\"{pixelUrl}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px;\">";
        var end = html.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? html + pixel : new StringBuilder(html.Length + pixel.Length).Append(html, 0, end).Append(pixel).Append(html, end, html.Length - end).ToString();
    }

    [GeneratedRegex("(?<pre>\\bhref\\s*=\\s*\")(?<url>https?://[^\"]+)\"", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Href();
}
