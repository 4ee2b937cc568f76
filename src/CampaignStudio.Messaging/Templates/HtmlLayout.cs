using System.Net;
using System.Text;

namespace CampaignStudio.Messaging.Templates;

/// <summary>Places the hidden preheader and the mandatory footer around the rendered HTML, and derives plain text from HTML.</summary>
internal static class HtmlLayout
{
    private const string PreheaderStyle =
        "display:none !important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;";

    private static readonly string[] RawTextElements = ["script", "style", "title", "textarea", "noscript", "xmp"];

    /// <summary>The rendered HTML with the preheader at the top of the body and the footer at its end, as one string.</summary>
    public static string Compose(ReadOnlySpan<char> html, string? preheader, CompiledTemplate layout, MessageFooter footer)
    {
        var bodyStart = 0;
        if (layout.BodyOpenTag is { } open && html.IndexOf(open, StringComparison.Ordinal) is >= 0 and var at)
        {
            var close = html[at..].IndexOf('>');
            bodyStart = close < 0 ? 0 : at + close + 1;
        }

        var bodyEnd = html.Length;
        if (layout.BodyCloseTag is { } end && html.LastIndexOf(end, StringComparison.Ordinal) is var last && last >= bodyStart)
        {
            bodyEnd = last;
        }

        var top = string.IsNullOrWhiteSpace(preheader)
            ? ""
            : string.Concat("<span class=\"preheader\" style=\"", PreheaderStyle, "\">", WebUtility.HtmlEncode(preheader), "</span>\n");
        var bottom = FooterHtml(layout.FooterGuard, footer);
        var parts = new ComposeParts(html, bodyStart, bodyEnd, top, bottom);
        return string.Create(html.Length + top.Length + bottom.Length, parts, static (target, p) =>
        {
            p.Html[..p.BodyStart].CopyTo(target);
            target = target[p.BodyStart..];
            p.Top.CopyTo(target);
            target = target[p.Top.Length..];
            p.Html[p.BodyStart..p.BodyEnd].CopyTo(target);
            target = target[(p.BodyEnd - p.BodyStart)..];
            p.Bottom.CopyTo(target);
            target = target[p.Bottom.Length..];
            p.Html[p.BodyEnd..].CopyTo(target);
        });
    }

    /// <summary>Appends the text footer to a rendered text part in the same buffer.</summary>
    public static void AppendTextFooter(CharBufferWriter text, MessageFooter footer)
    {
        var trimmed = text.Written.TrimEnd().Length;
        text.Truncate(trimmed);
        text.Write("\n\n-- \n");
        text.Write(footer.UnsubscribeLabel);
        text.Write(": ");
        text.Write(footer.UnsubscribeUrl);
        text.Write('\n');
        text.Write(footer.PostalAddress.AsSpan().Trim());
        text.Write('\n');
    }

    public static string ComposeText(string text, MessageFooter footer)
    {
        var builder = new StringBuilder(text.Length + 200);
        builder.Append(text.TrimEnd()).Append("\n\n-- \n");
        builder.Append(footer.UnsubscribeLabel).Append(": ").Append(footer.UnsubscribeUrl).Append('\n');
        builder.Append(footer.PostalAddress.Trim()).Append('\n');
        return builder.ToString();
    }

    private static string FooterHtml(string guard, MessageFooter footer)
    {
        var builder = new StringBuilder(guard, 512);
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
        return builder.ToString();
    }

    /// <summary>
    /// What the template source leaves open at its end. Customer values are encoded, so only the marketer's own
    /// markup can open a comment or a raw-text element; closing it once at compile time keeps rendering cheap.
    /// </summary>
    public static string FooterGuard(string htmlSource)
    {
        var guard = new StringBuilder();
        htmlSource = htmlSource.ToLowerInvariant();
        if (htmlSource.LastIndexOf("<!--", StringComparison.Ordinal) > htmlSource.LastIndexOf("-->", StringComparison.Ordinal))
        {
            guard.Append("-->");
        }

        foreach (var element in RawTextElements)
        {
            if (htmlSource.LastIndexOf("<" + element, StringComparison.Ordinal) > htmlSource.LastIndexOf("</" + element, StringComparison.Ordinal))
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

    /// <summary>
    /// The exact spelling of a tag in the template source (e.g. <c>&lt;BODY</c>), or null when absent. Merge values are
    /// encoded and cannot add tags, so each message can then be searched with a fast ordinal comparison.
    /// </summary>
    public static string? TagSpelling(string htmlSource, string tag, bool last)
    {
        var at = last ? htmlSource.LastIndexOf(tag, StringComparison.OrdinalIgnoreCase) : htmlSource.IndexOf(tag, StringComparison.OrdinalIgnoreCase);
        return at < 0 ? null : htmlSource.Substring(at, tag.Length);
    }

    private readonly ref struct ComposeParts(ReadOnlySpan<char> html, int bodyStart, int bodyEnd, string top, string bottom)
    {
        public ReadOnlySpan<char> Html { get; } = html;

        public int BodyStart { get; } = bodyStart;

        public int BodyEnd { get; } = bodyEnd;

        public string Top { get; } = top;

        public string Bottom { get; } = bottom;
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
