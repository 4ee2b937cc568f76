using System.Globalization;
using System.Net;
using System.Text;
using CampaignStudio.Domain.Campaigns;

namespace CampaignStudio.Messaging.Templates.Blocks;

/// <summary>What a block e-mail compiles to: Liquid sources for the template's HTML and text parts, and what the marketer should fix.</summary>
public sealed record BlockEmail(string Html, string Text, IReadOnlyList<string> Problems);

/// <summary>
/// The one place blocks become an e-mail: a 600-pixel table layout that narrows on phones, the brand's colours and fonts,
/// CSS inlined by PreMailer.Net (Gmail and Outlook ignore much of a &lt;style&gt; block; the phone rules stay in one that
/// is not inlined), and a plain-text part written from the same blocks. The output is Liquid: merge fields in texts and the
/// product loop are rendered per customer by <see cref="TemplateRenderer"/> like any HTML template. Pure: same input, same output.
/// </summary>
public static class BlockCompiler
{
    public const int ContentWidth = 600;
    private const int SidePadding = 24;

    /// <summary>
    /// The product loop a product grid starts with: over the merge model's recommendations (closest first) or over a chosen
    /// collection (<c>collections["category:Shoes"]</c>, best sellers first; hand-picked products in the order picked).
    /// </summary>
    public static string ProductLoop(int count, string list = "recommendations") =>
        $"{{% for p in {list} limit: {Math.Clamp(count, 1, ProductCollection.MaxProducts)} %}}";

    /// <param name="publicBaseUrl">The studio's public address, to make the image library's paths absolute in mail.</param>
    /// <param name="imageBaseUrl">
    /// Where mail fetches library pictures instead (the image store's public address, ending in <c>/</c>), or null for the
    /// studio's own <c>/assets/images/</c>.
    /// </param>
    public static BlockEmail Compile(BlockDocument document, BrandStyle brand, string publicBaseUrl, string? imageBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(brand);
        var context = new Context(brand, publicBaseUrl ?? "", imageBaseUrl);
        var rows = new StringBuilder();
        var text = new StringBuilder();
        for (var i = 0; i < document.Blocks.Count; i++)
        {
            var block = document.Blocks[i];
            context.Where = $"Block {i + 1} ({block.Kind})";
            rows.Append(block switch
            {
                HeaderBlock b => Header(b, context, text),
                HeroImageBlock b => Hero(b, context, text),
                HeadingBlock b => Heading(b, context, text),
                TextBlock b => Paragraphs(b, context, text),
                ButtonBlock b => Button(b, context, text),
                ProductGridBlock b => Products(b, context, text),
                DiscountCodeBlock b => Discount(b, context, text),
                DividerBlock => Divider(text),
                FooterBlock b => Footer(b, context, text),
                _ => "",
            });
        }

        var html = Page(rows.ToString(), brand);
        var inlined = PreMailer.Net.PreMailer.MoveCssInline(html, removeStyleElements: true, ignoreElements: "#cs-phone", removeComments: false);
        return new BlockEmail(context.Restore(inlined.Html), TidyText(text.ToString()), context.Problems);
    }

    private static string Page(string rows, BrandStyle brand)
    {
        var css = $$"""
            body { margin: 0; padding: 0; background-color: {{brand.BackgroundColor}}; }
            .cs-outer { background-color: {{brand.BackgroundColor}}; }
            .cs-container { max-width: {{ContentWidth}}px; background-color: {{brand.ContentColor}}; }
            .cs-block { padding: 12px {{SidePadding}}px; font-family: {{brand.BodyFontStack}}; font-size: 16px; line-height: 24px; color: {{brand.TextColor}}; }
            .cs-hero { padding: 0; }
            .cs-hero img { display: block; width: 100%; max-width: {{ContentWidth}}px; height: auto; border: 0; }
            .cs-heading { font-family: {{brand.HeadingFontStack}}; color: {{brand.TextColor}}; margin: 0; font-weight: bold; }
            h1.cs-heading { font-size: 28px; line-height: 34px; }
            h2.cs-heading { font-size: 22px; line-height: 28px; }
            .cs-text { margin: 0 0 12px 0; }
            a { color: {{brand.PrimaryColor}}; }
            .cs-button { display: inline-block; background-color: {{brand.PrimaryColor}}; color: {{OnColour(brand.PrimaryColor)}}; text-decoration: none; padding: 12px 28px; border-radius: 4px; font-weight: bold; font-family: {{brand.BodyFontStack}}; }
            .cs-small-button { display: inline-block; color: {{brand.PrimaryColor}}; border: 1px solid {{brand.PrimaryColor}}; text-decoration: none; padding: 6px 16px; border-radius: 4px; font-size: 14px; line-height: 20px; }
            .cs-grid { font-size: 0; line-height: 0; text-align: center; }
            .cs-product { display: inline-block; vertical-align: top; width: 100%; font-size: 16px; line-height: 22px; text-align: center; }
            .cs-product-inner { padding: 8px; }
            .cs-product img { display: block; width: 100%; height: auto; border: 0; margin: 0 auto 8px auto; }
            .cs-product-name { margin: 0 0 4px 0; font-weight: bold; }
            .cs-price { margin: 0 0 8px 0; }
            .cs-old-price { color: #777777; text-decoration: line-through; }
            .cs-discount { border: 2px dashed {{brand.PrimaryColor}}; padding: 16px; text-align: center; }
            .cs-code { font-family: 'Courier New', Courier, monospace; font-size: 26px; line-height: 32px; letter-spacing: 3px; font-weight: bold; color: {{brand.TextColor}}; }
            .cs-divider { border-top: 1px solid #dddddd; height: 1px; line-height: 1px; font-size: 1px; }
            .cs-note { font-size: 13px; line-height: 20px; color: #666666; text-align: center; margin: 0; }
            .cs-logo { display: block; border: 0; height: auto; }
            """;
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="x-apple-disable-message-reformatting">
            <style>{{css}}</style>
            <style id="cs-phone">
            @media only screen and (max-width: 620px) {
              .cs-block { padding: 10px 16px !important; }
              .cs-product { max-width: 100% !important; }
              h1.cs-heading { font-size: 24px !important; line-height: 30px !important; }
            }
            </style>
            </head>
            <body>
            <table role="presentation" class="cs-outer" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" style="padding: 16px 8px;">
            <!--[if mso]><table role="presentation" width="{{ContentWidth}}" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
            <table role="presentation" class="cs-container" width="100%" cellpadding="0" cellspacing="0" border="0">
            {{rows}}</table>
            <!--[if mso]></td></tr></table><![endif]-->
            </td></tr></table>
            </body>
            </html>
            """;
    }

    private static string Row(string content, string cssClass = "cs-block", string align = "left") =>
        $"<tr><td class=\"{cssClass}\" align=\"{align}\">{content}</td></tr>\n";

    private static string Header(HeaderBlock b, Context c, StringBuilder text)
    {
        var logo = c.Image(string.IsNullOrWhiteSpace(b.LogoUrl) ? c.Brand.LogoUrl : b.LogoUrl, "logo", optional: true);
        var width = Math.Clamp(b.LogoWidth, 40, ContentWidth - 2 * SidePadding);
        var name = c.Encode(b.ShopName);
        string inner;
        if (logo is not null)
        {
            inner = $"<img class=\"cs-logo\" src=\"{logo}\" alt=\"{(name.Length > 0 ? name : "Logo")}\" width=\"{width}\" style=\"width: {width}px; max-width: 100%;\">";
        }
        else if (name.Length > 0)
        {
            inner = $"<span class=\"cs-heading\" style=\"font-size: 22px; line-height: 28px;\">{name}</span>";
        }
        else
        {
            c.Problem("has neither a logo (set one here or in Settings → Brand) nor a shop name.");
            return "";
        }

        var link = c.Link(b.Link, optional: true);
        text.Append(Plain(b.ShopName)).Append(link is null ? "" : $" ({Plain(b.Link)})").Append("\n\n");
        return Row(link is null ? inner : $"<a href=\"{link}\">{inner}</a>", align: "center");
    }

    private static string Hero(HeroImageBlock b, Context c, StringBuilder text)
    {
        var src = c.Image(b.ImageUrl, "picture", optional: false);
        if (src is null)
        {
            return "";
        }

        var image = $"<img src=\"{src}\" alt=\"{c.Encode(b.AltText)}\" width=\"{ContentWidth}\">";
        var link = c.Link(b.Link, optional: true);
        if (!string.IsNullOrWhiteSpace(b.AltText))
        {
            text.Append(Plain(b.AltText)).Append(link is null ? "" : $" ({Plain(b.Link)})").Append("\n\n");
        }

        return Row(link is null ? image : $"<a href=\"{link}\">{image}</a>", "cs-hero");
    }

    private static string Heading(HeadingBlock b, Context c, StringBuilder text)
    {
        if (string.IsNullOrWhiteSpace(b.Text))
        {
            c.Problem("has no text.");
            return "";
        }

        var level = b.Level == 2 ? 2 : 1;
        text.Append(Plain(b.Text)).Append("\n\n");
        return Row($"<h{level} class=\"cs-heading\" style=\"text-align: {Align(b.Align)};\">{c.Encode(b.Text)}</h{level}>", align: Align(b.Align));
    }

    private static string Paragraphs(TextBlock b, Context c, StringBuilder text)
    {
        var paragraphs = Split(b.Text);
        if (paragraphs.Count == 0)
        {
            c.Problem("is empty.");
            return "";
        }

        var html = new StringBuilder();
        foreach (var paragraph in paragraphs)
        {
            html.Append("<p class=\"cs-text\" style=\"text-align: ").Append(Align(b.Align)).Append(";\">");
            html.Append(string.Join("<br>", paragraph.Split('\n').Select(c.Encode))).Append("</p>");
            text.Append(Plain(paragraph)).Append("\n\n");
        }

        return Row(html.ToString(), align: Align(b.Align));
    }

    private static string Button(ButtonBlock b, Context c, StringBuilder text)
    {
        var link = c.Link(b.Url, optional: false);
        if (link is null || string.IsNullOrWhiteSpace(b.Label))
        {
            if (link is not null)
            {
                c.Problem("has no label.");
            }

            return "";
        }

        text.Append(Plain(b.Label)).Append(": ").Append(Plain(b.Url)).Append("\n\n");
        return Row($"<a class=\"cs-button\" href=\"{link}\">{c.Encode(b.Label)}</a>", align: Align(b.Align));
    }

    /// <summary>The product grid: the only place the product loop (recommendations or a chosen collection) and the product fields are written.</summary>
    private static string Products(ProductGridBlock b, Context c, StringBuilder text)
    {
        var collection = b.Collection;
        if (b.Source != ProductSource.Recommended && collection is null)
        {
            c.Problem(b.Source switch
            {
                ProductSource.Category => "shows a category, but none is chosen.",
                ProductSource.Brand => "shows a brand, but none is chosen.",
                _ => "shows products picked by hand, but none is picked.",
            });
            return "";
        }

        if (collection is { Kind: CollectionKind.Products, Values.Count: > ProductCollection.MaxProducts })
        {
            c.Problem($"has {collection.Values.Count} products picked; a grid shows at most {ProductCollection.MaxProducts}, so only the first {ProductCollection.MaxProducts} are kept.");
            collection = ProductCollection.Products(collection.Values.Take(ProductCollection.MaxProducts));
        }

        var list = collection?.Liquid ?? "recommendations";
        // Products picked one by one all show (those in stock); the count applies to recommendations, categories and brands.
        var count = collection is { Kind: CollectionKind.Products } picked ? picked.Values.Count : b.Count;
        var columns = Math.Clamp(b.Columns, 1, 3);
        var cell = (ContentWidth - 2 * SidePadding) / columns;
        var loop = c.Liquid(ProductLoop(count, list));
        var end = c.Liquid("{% endfor %}");
        var heading = string.IsNullOrWhiteSpace(b.Heading) ? "" : $"<h2 class=\"cs-heading\" style=\"text-align: center; margin-bottom: 8px;\">{c.Encode(b.Heading)}</h2>";
        var ifUrl = c.Liquid("{% if p.url %}");
        var endIf = c.Liquid("{% endif %}");
        var url = c.Liquid("{{ p.url }}");
        var name = c.Liquid("{{ p.name }}");
        var image = $"{c.Liquid("{% if p.image %}")}{ifUrl}<a href=\"{url}\">{endIf}<img src=\"{c.Liquid("{{ p.image }}")}\" alt=\"{name}\" width=\"{cell - 16}\" style=\"max-width: {cell - 16}px;\">{ifUrl}</a>{endIf}{endIf}";
        var title = $"<p class=\"cs-product-name\">{ifUrl}<a href=\"{url}\">{name}</a>{c.Liquid("{% else %}")}{name}{endIf}</p>";
        var price = !b.ShowPrices ? "" :
            $"{c.Liquid("{% if p.sale_price %}")}<p class=\"cs-price\"><span class=\"cs-old-price\">{c.Liquid("{{ p.price }}")}</span> <strong>{c.Liquid("{{ p.sale_price }}")}</strong></p>" +
            $"{c.Liquid("{% elsif p.price %}")}<p class=\"cs-price\">{c.Liquid("{{ p.price }}")}</p>{endIf}";
        var button = string.IsNullOrWhiteSpace(b.ButtonLabel) ? "" : $"{ifUrl}<a class=\"cs-small-button\" href=\"{url}\">{c.Encode(b.ButtonLabel)}</a>{endIf}";
        var html = $"{c.Liquid($"{{% if {list}.size > 0 %}}")}{heading}<div class=\"cs-grid\">{loop}<div class=\"cs-product\" style=\"max-width: {cell}px;\"><div class=\"cs-product-inner\">" +
            $"{image}{title}{price}{button}</div></div>{end}</div>{endIf}";

        text.Append(c.RawText($"{{% if {list}.size > 0 %}}"));
        if (!string.IsNullOrWhiteSpace(b.Heading))
        {
            text.Append(Plain(b.Heading)).Append("\n\n");
        }

        text.Append(ProductLoop(count, list)).Append("- {{ p.name }}");
        if (b.ShowPrices)
        {
            text.Append("{% if p.sale_price %} {{ p.sale_price }} (was {{ p.price }}){% elsif p.price %} {{ p.price }}{% endif %}");
        }

        text.Append("{% if p.url %}\n  {{ p.url }}{% endif %}\n{% endfor %}\n{% endif %}");
        return Row(html, align: "center");
    }

    private static string Discount(DiscountCodeBlock b, Context c, StringBuilder text)
    {
        if (string.IsNullOrWhiteSpace(b.Code))
        {
            c.Problem("has no code.");
            return "";
        }

        var caption = string.IsNullOrWhiteSpace(b.Caption) ? "" : $"<p class=\"cs-text\" style=\"margin: 0 0 8px 0;\">{c.Encode(b.Caption)}</p>";
        text.Append(string.IsNullOrWhiteSpace(b.Caption) ? "" : Plain(b.Caption) + ": ").Append(Plain(b.Code)).Append("\n\n");
        return Row($"<div class=\"cs-discount\">{caption}<div class=\"cs-code\">{c.Encode(b.Code)}</div></div>");
    }

    private static string Divider(StringBuilder text)
    {
        text.Append("----------\n\n");
        return Row("<div class=\"cs-divider\">&nbsp;</div>");
    }

    private static string Footer(FooterBlock b, Context c, StringBuilder text)
    {
        if (string.IsNullOrWhiteSpace(b.Note))
        {
            return "";
        }

        text.Append(Plain(b.Note)).Append("\n\n");
        return Row($"<p class=\"cs-note\">{string.Join("<br>", b.Note.Trim().Split('\n').Select(c.Encode))}</p>", align: "center");
    }

    private static string Align(BlockAlign align) => align switch
    {
        BlockAlign.Center => "center",
        BlockAlign.Right => "right",
        _ => "left",
    };

    /// <summary>White or near-black, whichever reads better on the colour (WCAG relative luminance).</summary>
    public static string OnColour(string hex)
    {
        if (!BrandStyle.IsColour(hex))
        {
            return "#ffffff";
        }

        static double Channel(string h, int at)
        {
            var v = int.Parse(h.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return v <= 0.03928 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }

        var luminance = 0.2126 * Channel(hex, 1) + 0.7152 * Channel(hex, 3) + 0.0722 * Channel(hex, 5);
        return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#111111" : "#ffffff";
    }

    private static List<string> Split(string? text) =>
        (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n")
            .Select(p => p.Trim('\n', ' ', '\t'))
            .Where(p => p.Length > 0)
            .ToList();

    private static string Plain(string? text) => (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Trim();

    private static string TidyText(string text)
    {
        while (text.Contains("\n\n\n", StringComparison.Ordinal))
        {
            text = text.Replace("\n\n\n", "\n\n", StringComparison.Ordinal);
        }

        return text.Trim() + "\n";
    }

    /// <summary>
    /// Holds the Liquid pieces while the HTML goes through the inliner: the HTML parser would escape a <c>&gt;</c> in
    /// <c>{% if a &gt; 1 %}</c> or a quote in <c>default: "there"</c>, so each piece waits as a marker and comes back after.
    /// </summary>
    private sealed class Context(BrandStyle brand, string publicBaseUrl, string? imageBaseUrl)
    {
        private const string LibraryPath = "/assets/images/";
        private const char Open = '\u27E6';
        private const char Close = '\u27E7';
        private readonly List<string> _liquid = [];
        private readonly List<string> _problems = [];

        public BrandStyle Brand { get; } = brand;

        public string Where { get; set; } = "";

        public IReadOnlyList<string> Problems => _problems;

        public void Problem(string what) => _problems.Add($"{Where} {what}");

        public string Liquid(string piece)
        {
            _liquid.Add(piece);
            return $"{Open}{_liquid.Count - 1}{Close}";
        }

        /// <summary>Liquid for the text part, which is not parsed as HTML.</summary>
        public string RawText(string piece) => piece;

        /// <summary>A marketer's text for HTML: merge fields and tags stay Liquid, everything else is shown as written.</summary>
        public string Encode(string? text)
        {
            var result = new StringBuilder();
            // The markers' brackets never come from a marketer, so a typed one cannot stand for a Liquid piece.
            foreach (var (piece, isLiquid) in LiquidSpans((text ?? "").Trim().Replace(Open, '[').Replace(Close, ']')))
            {
                result.Append(isLiquid ? Liquid(piece) : WebUtility.HtmlEncode(piece));
            }

            return result.ToString();
        }

        /// <summary>A link target: http(s), mailto, or a merge field such as <c>{{ p.url }}</c>; null (and a problem unless optional) otherwise.</summary>
        public string? Link(string? url, bool optional)
        {
            url = url?.Trim();
            if (string.IsNullOrEmpty(url))
            {
                if (!optional)
                {
                    Problem("has no link.");
                }

                return null;
            }

            if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("{{", StringComparison.Ordinal))
            {
                return Encode(url);
            }

            Problem($"links to \"{url}\", which is not a web address (start it with https://).");
            return null;
        }

        /// <summary>An image address for mail: absolute http(s), or the image library's path made absolute with the studio's address.</summary>
        public string? Image(string? url, string what, bool optional)
        {
            url = url?.Trim();
            if (string.IsNullOrEmpty(url))
            {
                if (!optional)
                {
                    Problem($"has no {what}: pick one from the image library or paste an https:// address.");
                }

                return null;
            }

            if (url.StartsWith(LibraryPath, StringComparison.Ordinal))
            {
                url = imageBaseUrl is null ? publicBaseUrl.TrimEnd('/') + url : imageBaseUrl + url[LibraryPath.Length..];
            }

            if (BrandStyle.IsImageAddress(url) && url.Contains("://", StringComparison.Ordinal))
            {
                return WebUtility.HtmlEncode(url);
            }

            Problem($"has the {what} \"{url}\", which is not an https:// image address.");
            return null;
        }

        public string Restore(string html)
        {
            var result = new StringBuilder(html.Length + 256);
            var at = 0;
            while (at < html.Length)
            {
                var open = html.IndexOf(Open, at);
                var close = open < 0 ? -1 : html.IndexOf(Close, open);
                if (open < 0 || close < 0
                    || !int.TryParse(html.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    || index >= _liquid.Count)
                {
                    result.Append(html, at, html.Length - at);
                    break;
                }

                result.Append(html, at, open - at).Append(_liquid[index]);
                at = close + 1;
            }

            return result.ToString();
        }

        private static IEnumerable<(string Piece, bool IsLiquid)> LiquidSpans(string text)
        {
            var at = 0;
            while (at < text.Length)
            {
                var output = text.IndexOf("{{", at, StringComparison.Ordinal);
                var tag = text.IndexOf("{%", at, StringComparison.Ordinal);
                var open = output < 0 ? tag : tag < 0 ? output : Math.Min(output, tag);
                var close = open < 0 ? -1 : text.IndexOf(text[open + 1] == '{' ? "}}" : "%}", open + 2, StringComparison.Ordinal);
                if (open < 0 || close < 0)
                {
                    yield return (text[at..], false);
                    yield break;
                }

                if (open > at)
                {
                    yield return (text[at..open], false);
                }

                yield return (text[open..(close + 2)], true);
                at = close + 2;
            }
        }
    }
}
