using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Messaging.Links;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Sending.Tracking;

/// <summary>
/// Rewrites the links of sent messages to signed redirect links. The target URL is stored with the message at send time,
/// so the redirect can only ever go where the message pointed (no open redirect), and a tampered token finds nothing.
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
    /// Stores the links of a batch of messages in one transaction and returns each message's HTML with its links
    /// replaced by signed redirects and an open pixel added. The redirects come from each message's own
    /// <see cref="MessageLinks"/>, which only the send pipeline can mint live.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RewriteAsync(AppDbContext db, IReadOnlyList<(long MessageId, string Html, MessageLinks Links)> messages,
        CancellationToken ct)
    {
        var found = messages.Select(m => FindLinks(m.Html, m.Links.UnsubscribeUrl)).ToList();
        var ids = new List<Dictionary<string, long>>(messages.Count);
        await db.Database.OpenConnectionAsync(ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await using (var insert = await BulkInserter.CreateAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), "TrackedLinks",
                             ["MessageId", "Url", "Clicks"], returning: "Id", ct: ct))
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    var map = new Dictionary<string, long>(StringComparer.Ordinal);
                    foreach (var url in found[i])
                    {
                        map[url] = Convert.ToInt64(await insert.InsertAsync(ct, messages[i].MessageId, url, 0), System.Globalization.CultureInfo.InvariantCulture);
                    }

                    ids.Add(map);
                }
            }

            await tx.CommitAsync(ct);
        }

        var result = new List<string>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var (_, html, links) = messages[i];
            var map = ids[i];
            var rewritten = Href().Replace(html, match =>
            {
                var url = WebUtility.HtmlDecode(match.Groups["url"].Value);
                return map.TryGetValue(url, out var linkId) && links.ClickUrl(linkId) is { } tracked
                    ? $"{match.Groups["pre"].Value}{tracked}\""
                    : match.Value;
            });
            result.Add(links.OpenPixelUrl is { } pixel ? AddPixel(rewritten, pixel) : rewritten);
        }

        return result;
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
