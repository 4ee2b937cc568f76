using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Links;

/// <summary>
/// The links of a rendered HTML part: every <c>href="http(s)://…"</c> (the same matches as the pattern
/// <c>\bhref\s*=\s*"(https?://[^"]+)"</c>, ignoring case), found in one pass without a regex, and the send step's rewrite of
/// them to signed redirects written into a pooled buffer: one string a message instead of one per link and per replace.
/// </summary>
public static partial class HtmlLinks
{
    [ThreadStatic]
    private static CharBufferWriter? _writer;

    /// <summary>The next link at or after <paramref name="from"/>: where its <c>href</c> starts and where its URL starts and ends (the closing quote).</summary>
    public static bool TryFindNext(ReadOnlySpan<char> html, int from, out int start, out int urlStart, out int urlEnd)
    {
        start = urlStart = urlEnd = -1;
        while (from <= html.Length - 4)
        {
            var found = html[from..].IndexOfAny('h', 'H');
            if (found < 0)
            {
                return false;
            }

            var at = from + found;
            from = at + 1;
            if (!StartsWithAsciiIgnoreCase(html[at..], "href") || (at > 0 && IsWordChar(html[at - 1])))
            {
                continue;
            }

            var i = SkipWhiteSpace(html, at + 4);
            if (i >= html.Length || html[i] != '=')
            {
                continue;
            }

            i = SkipWhiteSpace(html, i + 1);
            if (i >= html.Length || html[i] != '"' || !StartsWithAsciiIgnoreCase(html[(i + 1)..], "http"))
            {
                continue;
            }

            var scheme = i + 5;
            if (scheme < html.Length && (html[scheme] | 0x20) == 's')
            {
                scheme++;
            }

            if (!html[scheme..].StartsWith("://", StringComparison.Ordinal))
            {
                continue;
            }

            var quote = html[(scheme + 3)..].IndexOf('"');
            if (quote <= 0)
            {
                continue;
            }

            (start, urlStart, urlEnd) = (at, i + 1, scheme + 3 + quote);
            return true;
        }

        return false;
    }

    /// <summary>The http(s) targets of a rendered HTML part, decoded, in order of appearance, without the unsubscribe link.</summary>
    public static IReadOnlyList<string> Find(string html, string unsubscribeUrl)
    {
        var links = new List<string>();
        for (var at = 0; TryFindNext(html, at, out _, out var urlStart, out var urlEnd); at = urlEnd + 1)
        {
            var url = WebUtility.HtmlDecode(html[urlStart..urlEnd]);
            if (url != unsubscribeUrl && url.Length <= Domain.Limits.Url && !links.Contains(url))
            {
                links.Add(url);
            }
        }

        return links;
    }

    private const string PixelStart = "<img src=\"";
    private const string PixelEnd = "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px;\">";

    /// <summary>
    /// A message's HTML with its links replaced by the message's signed redirects (<see cref="MessageLinks.ClickUrl"/>, the same
    /// tokens) and its open pixel added before the last <c>&lt;/body</c>; a preview's links stay as written.
    /// </summary>
    public static string Rewrite(string html, MessageLinks links)
    {
        if (!TryRewrite(html, links, out var writer, out var pixelAt))
        {
            return html;
        }

        if (links.OpenPixelUrl is not { } pixel)
        {
            return writer.Written.ToString();
        }

        return string.Create(writer.Length + PixelStart.Length + pixel.Length + PixelEnd.Length, (writer, pixelAt, pixel), static (span, state) =>
        {
            var written = state.writer.Written;
            written[..state.pixelAt].CopyTo(span);
            span = span[state.pixelAt..];
            PixelStart.CopyTo(span);
            state.pixel.CopyTo(span[PixelStart.Length..]);
            PixelEnd.CopyTo(span[(PixelStart.Length + state.pixel.Length)..]);
            written[state.pixelAt..].CopyTo(span[(PixelStart.Length + state.pixel.Length + PixelEnd.Length)..]);
        });
    }

    /// <summary>
    /// <see cref="Rewrite"/>'s result as UTF-8, encoded straight from the pooled buffer: the bytes a MIME text part carries, without
    /// the HTML string in between (decision 054, session 15).
    /// </summary>
    public static byte[] RewriteUtf8(string html, MessageLinks links)
    {
        var utf8 = Encoding.UTF8;
        if (!TryRewrite(html, links, out var writer, out var pixelAt))
        {
            return utf8.GetBytes(html);
        }

        var written = writer.Written;
        if (links.OpenPixelUrl is not { } pixel)
        {
            var all = new byte[utf8.GetByteCount(written)];
            utf8.GetBytes(written, all);
            return all;
        }

        // The pixel's start and end are ASCII; the buffer splits at "</body" (ASCII too), so no character is cut in two.
        var head = written[..pixelAt];
        var tail = written[pixelAt..];
        var bytes = new byte[utf8.GetByteCount(head) + PixelStart.Length + utf8.GetByteCount(pixel) + PixelEnd.Length + utf8.GetByteCount(tail)];
        var at = utf8.GetBytes(head, bytes);
        at += Encoding.ASCII.GetBytes(PixelStart, bytes.AsSpan(at));
        at += utf8.GetBytes(pixel, bytes.AsSpan(at));
        at += Encoding.ASCII.GetBytes(PixelEnd, bytes.AsSpan(at));
        utf8.GetBytes(tail, bytes.AsSpan(at));
        return bytes;
    }

    /// <summary>
    /// Writes the HTML with its links replaced into the thread's buffer and finds where the open pixel goes (the last
    /// <c>&lt;/body</c>, else the end); false when nothing changes (a preview without a pixel).
    /// </summary>
    private static bool TryRewrite(string html, MessageLinks links, out CharBufferWriter writer, out int pixelAt)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(links);
        writer = null!;
        pixelAt = 0;
        if (!links.IsLive && links.OpenPixelUrl is null)
        {
            return false;
        }

        writer = _writer ??= new CharBufferWriter(16 * 1024);
        writer.Clear();
        var source = html.AsSpan();
        var copied = 0;
        for (var at = 0; links.IsLive && TryFindNext(source, at, out _, out var urlStart, out var urlEnd); at = urlEnd + 1)
        {
            var raw = source[urlStart..urlEnd];
            var url = raw.Contains('&') ? WebUtility.HtmlDecode(raw.ToString()).AsSpan() : raw;
            if (url.SequenceEqual(links.UnsubscribeUrl) || url.Length > Domain.Limits.Url)
            {
                continue;
            }

            writer.Write(source[copied..urlStart]);
            links.WriteClickUrl(url, writer);
            writer.Write('"');
            copied = urlEnd + 1;
        }

        writer.Write(source[copied..]);
        pixelAt = writer.Written.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        if (pixelAt < 0)
        {
            pixelAt = writer.Length;
        }

        return true;
    }

    private static bool StartsWithAsciiIgnoreCase(ReadOnlySpan<char> text, string lowerAscii)
    {
        if (text.Length < lowerAscii.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerAscii.Length; i++)
        {
            if ((text[i] | 0x20) != lowerAscii[i])
            {
                return false;
            }
        }

        return true;
    }

    private static int SkipWhiteSpace(ReadOnlySpan<char> text, int at)
    {
        // char.IsWhiteSpace is exactly the regex class \s.
        while (at < text.Length && char.IsWhiteSpace(text[at]))
        {
            at++;
        }

        return at;
    }

    /// <summary>A character that makes <c>\b</c> fail before "href": the regex engine's own word class for anything not ASCII.</summary>
    private static bool IsWordChar(char c) =>
        char.IsAscii(c) ? char.IsAsciiLetterOrDigit(c) || c == '_' : BoundaryWordChar().IsMatch(new ReadOnlySpan<char>(in c));

    [GeneratedRegex("^[\\w\\u200C\\u200D]$", RegexOptions.CultureInvariant)]
    private static partial Regex BoundaryWordChar();
}
