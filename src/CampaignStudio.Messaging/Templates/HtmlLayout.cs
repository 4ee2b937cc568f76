using System.Net;
using System.Text;

namespace CampaignStudio.Messaging.Templates;

/// <summary>Places the hidden preheader and the mandatory footer around the rendered HTML, and derives plain text from HTML.</summary>
internal static class HtmlLayout
{
    private const string PreheaderStyle =
        "display:none !important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;";

    private static readonly string[] RawTextElements = ["script", "style", "title", "textarea", "noscript", "xmp"];

    public static string Compose(string html, string? preheader, string footerGuard, MessageFooter footer)
    {
        var builder = new StringBuilder(html.Length + 600);
        var bodyStart = BodyContentStart(html);
        var bodyEnd = html.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        if (bodyEnd < bodyStart)
        {
            bodyEnd = html.Length;
        }

        builder.Append(html, 0, bodyStart);
        if (!string.IsNullOrWhiteSpace(preheader))
        {
            builder.Append("<span class=\"preheader\" style=\"").Append(PreheaderStyle).Append("\">");
            builder.Append(WebUtility.HtmlEncode(preheader)).Append("</span>\n");
        }

        builder.Append(html, bodyStart, bodyEnd - bodyStart);
        builder.Append(footerGuard);
        AppendFooter(builder, footer);
        builder.Append(html, bodyEnd, html.Length - bodyEnd);
        return builder.ToString();
    }

    public static string ComposeText(string text, MessageFooter footer)
    {
        var builder = new StringBuilder(text.Length + 200);
        builder.Append(text.TrimEnd()).Append("\n\n-- \n");
        builder.Append(footer.UnsubscribeLabel).Append(": ").Append(footer.UnsubscribeUrl).Append('\n');
        builder.Append(footer.PostalAddress.Trim()).Append('\n');
        return builder.ToString();
    }

    private static void AppendFooter(StringBuilder builder, MessageFooter footer)
    {
        builder.Append("\n<div class=\"cs-footer\" style=\"margin-top:24px;padding:16px 0;font-size:12px;line-height:18px;color:#666666;text-align:center;\">");
        builder.Append("<p style=\"margin:0 0 8px 0;\"><a href=\"").Append(WebUtility.HtmlEncode(footer.UnsubscribeUrl)).Append("\" style=\"color:#666666;\">");
        builder.Append(WebUtility.HtmlEncode(footer.UnsubscribeLabel)).Append("</a></p>");
        builder.Append("<p style=\"margin:0;\">");
        var first = true;
        foreach (var line in footer.PostalAddress.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!first)
            {
                builder.Append("<br>");
            }

            builder.Append(WebUtility.HtmlEncode(line));
            first = false;
        }

        builder.Append("</p></div>\n");
    }

    /// <summary>
    /// What the template source leaves open at its end. Customer values are encoded, so only the marketer's own
    /// markup can open a comment or a raw-text element; closing it once at compile time keeps rendering cheap.
    /// </summary>
    public static string FooterGuard(string htmlSource)
    {
        var guard = new StringBuilder();
        if (htmlSource.LastIndexOf("<!--", StringComparison.Ordinal) > htmlSource.LastIndexOf("-->", StringComparison.Ordinal))
        {
            guard.Append("-->");
        }

        foreach (var element in RawTextElements)
        {
            if (htmlSource.LastIndexOf("<" + element, StringComparison.OrdinalIgnoreCase) > htmlSource.LastIndexOf("</" + element, StringComparison.OrdinalIgnoreCase))
            {
                guard.Append("</").Append(element).Append('>');
            }
        }

        return guard.ToString();
    }

    /// <summary>A readable plain-text version of an HTML document, for templates without a text part.</summary>
    public static string ToPlainText(string html)
    {
        var text = new StringBuilder(html.Length / 2);
        var i = 0;
        string? pendingHref = null;
        while (i < html.Length)
        {
            var c = html[i];
            if (c == '<' && i + 1 < html.Length && (char.IsAsciiLetter(html[i + 1]) || html[i + 1] is '/' or '!'))
            {
                var close = html.IndexOf('>', i);
                if (close < 0)
                {
                    break;
                }

                var tag = html.AsSpan(i + 1, close - i - 1);
                if (tag.StartsWith("!--"))
                {
                    var end = html.IndexOf("-->", i, StringComparison.Ordinal);
                    i = end < 0 ? html.Length : end + 3;
                    continue;
                }

                var name = TagName(tag);
                if (name is "head" or "style" or "script" or "title")
                {
                    var end = html.IndexOf("</" + name, close, StringComparison.OrdinalIgnoreCase);
                    var endClose = end < 0 ? -1 : html.IndexOf('>', end);
                    i = endClose < 0 ? html.Length : endClose + 1;
                    continue;
                }

                if (name is "br")
                {
                    text.Append('\n');
                }
                else if (name is "p" or "div" or "tr" or "li" or "h1" or "h2" or "h3" or "h4" or "h5" or "h6" or "table" or "ul" or "ol")
                {
                    text.Append('\n');
                }
                else if (name == "a" && !tag.StartsWith("/"))
                {
                    pendingHref = Attribute(tag, "href");
                }
                else if (name == "a" && pendingHref is not null)
                {
                    text.Append(" (").Append(pendingHref).Append(')');
                    pendingHref = null;
                }

                i = close + 1;
                continue;
            }

            var next = html.IndexOf('<', i + 1);
            if (next < 0)
            {
                next = html.Length;
            }

            text.Append(WebUtility.HtmlDecode(html[i..next]));
            i = next;
        }

        return Tidy(text.ToString());
    }

    private static int BodyContentStart(string html)
    {
        var body = html.IndexOf("<body", StringComparison.OrdinalIgnoreCase);
        if (body < 0)
        {
            return 0;
        }

        var close = html.IndexOf('>', body);
        return close < 0 ? 0 : close + 1;
    }

    private static string TagName(ReadOnlySpan<char> tag)
    {
        tag = tag.TrimStart('/');
        var length = 0;
        while (length < tag.Length && char.IsAsciiLetterOrDigit(tag[length]))
        {
            length++;
        }

        return tag[..length].ToString().ToLowerInvariant();
    }

    private static string? Attribute(ReadOnlySpan<char> tag, string name)
    {
        var at = tag.IndexOf(name + "=", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var value = tag[(at + name.Length + 1)..];
        if (value.Length > 0 && value[0] is '"' or '\'')
        {
            var quote = value[0];
            value = value[1..];
            var end = value.IndexOf(quote);
            value = end < 0 ? value : value[..end];
        }
        else
        {
            var end = value.IndexOfAny(' ', '/');
            value = end < 0 ? value : value[..end];
        }

        return WebUtility.HtmlDecode(value.ToString());
    }

    private static string Tidy(string text)
    {
        var lines = text.Split('\n').Select(l => string.Join(' ', l.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)));
        var result = new StringBuilder(text.Length);
        var blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (result.Length > 0)
            {
                result.Append(blank > 0 ? "\n\n" : "\n");
            }

            result.Append(line);
            blank = 0;
        }

        return result.ToString();
    }
}
