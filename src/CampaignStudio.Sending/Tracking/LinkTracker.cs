using CampaignStudio.Messaging.Links;

namespace CampaignStudio.Sending.Tracking;

/// <summary>
/// Rewrites the links of sent messages to signed redirect links. The target URL is signed into the link's token at send
/// time, so the redirect can only ever go where the message pointed (no open redirect), and a tampered token finds nothing.
/// Mail sent before decision 054 carries tokens of stored <c>TrackedLinks</c> rows instead; those still redirect.
/// </summary>
public static class LinkTracker
{
    public const string ClickRoute = TrackingLinks.ClickRoute;
    public const string OpenRoute = TrackingLinks.OpenRoute;

    /// <summary>The http(s) targets of a rendered HTML part, decoded, in order of appearance, without the unsubscribe link.</summary>
    public static IReadOnlyList<string> FindLinks(string html, string unsubscribeUrl) => HtmlLinks.Find(html, unsubscribeUrl);

    /// <summary>
    /// A message's HTML part, as UTF-8 bytes, with its links replaced by signed redirects and an open pixel added. The
    /// redirects come from the message's own <see cref="MessageLinks"/>, which only the send pipeline can mint live; each
    /// carries its target in the signed token, so nothing is stored per link (decision 054). A preview's links stay as
    /// written. One pass into a pooled buffer, encoded from there without an HTML string in between (decision 054,
    /// sessions 13 and 15).
    /// </summary>
    public static byte[] RewriteUtf8(string html, MessageLinks links) => HtmlLinks.RewriteUtf8(html, links);
}
