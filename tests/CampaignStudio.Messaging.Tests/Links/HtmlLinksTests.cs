using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Messaging.Tests.Templates;
using CampaignStudio.TestSupport;
using Microsoft.AspNetCore.DataProtection;

namespace CampaignStudio.Messaging.Tests.Links;

/// <summary>The one-pass link rewrite (decision 054, session 13) against the regex replace it replaced, byte for byte.</summary>
public partial class HtmlLinksTests
{
    private const string BaseUrl = "https://studio.example.com";
    private static readonly ClickTokens Clicks = new(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());
    private readonly SignedTokenService _tokens = new(new EphemeralDataProtectionProvider(), new StudioClock());
    private readonly TemplateRenderer _renderer = new();

    public static TheoryData<string> Edges() =>
    [
        "<p>no links at all</p>",
        "<a HREF = \"HTTPS://Shop.example.com/A\">a</a><a href=\"http://shop.example.com/b?x=1&amp;y=2\">b</a></BODY>",
        "<a xhref=\"https://shop.example.com/no\">x</a><a data-href=\"https://shop.example.com/yes\">y</a><a href='https://single.example'>z</a>",
        "<a href=\"https://\">empty</a><a href=\"ftp://files.example\">f</a><a href=\"https://unterminated.example",
        "<a href=\"https://shop.example.com/ü?q=ä&#x20;b\">u</a><a href=\n\t\"https://shop.example.com/nl\">n</a>",
        "<a ähref=\"https://shop.example.com/after-letter\">l</a><a \u00A0href\u00A0=\u2003\"https://shop.example.com/nbsp\">s</a>",
        "<body><a href=\"https://shop.example.com/</body>\">odd</a></body><p>after</p></body >tail",
        "<a href=\"https://shop.example.com/" + new string('x', 2100) + "\">too long</a>",
        "<a href=\"" + BaseUrl + "/u/UNSUB\">unsubscribe</a>hrefhref=\"https://shop.example.com/glued\"",
    ];

    [Theory]
    [MemberData(nameof(Edges))]
    public void RewritesEdgeCasesAsTheRegexDid(string html)
    {
        var links = Links(5);

        HtmlLinks.Rewrite(html, links).ShouldBe(RegexRewrite(html, links));
        HtmlLinks.RewriteUtf8(html, links).ShouldBe(Encoding.UTF8.GetBytes(RegexRewrite(html, links)));
        HtmlLinks.Find(html, links.UnsubscribeUrl).ShouldBe(RegexFind(html, links.UnsubscribeUrl));
    }

    [Fact]
    public void RewritesRealTemplatesAsTheRegexDid()
    {
        var recipient = new RecipientTestBuilder()
            .WithName("Ada", "Lovelace")
            .WithRecommendation("Trail Boot", "Shoes", "https://shop.example.com/boot?size=38&colour=grün")
            .WithRecommendation("Wool Sock", "Textiles", "https://shop.example.com/sock")
            .Build();
        var blocks = BlockCompiler.Compile(new BlockDocument
        {
            Blocks =
            [
                new HeaderBlock { LogoUrl = "https://cdn.example.com/logo.png", ShopName = "Example", Link = "https://shop.example.com/" },
                new HeroImageBlock { ImageUrl = "https://cdn.example.com/hero.jpg", AltText = "Spring", Link = "https://shop.example.com/spring?a=1&b=2" },
                new HeadingBlock { Text = "Hello {{ customer.first_name }}" },
                new TextBlock { Text = "See [our picks](https://shop.example.com/picks) today." },
                new ProductGridBlock { Count = 2, Heading = "For you" },
                new ButtonBlock { Label = "Shop", Url = "https://shop.example.com/sale?c={{ campaign.name | url_encode }}" },
                new DividerBlock(),
                new FooterBlock(),
            ],
        }, BrandStyle.Default, BaseUrl);
        string[] sources =
        [
            blocks.Html,
            // The bench's and the demo shop's templates.
            """
            <html><body>
            <h1>Hello {{ customer.first_name | default: "there" }}!</h1>
            <ul>{% for p in recommendations limit: 3 %}<li><a href="{{ p.url }}">{{ p.name }}</a> ({{ p.category }})</li>{% endfor %}</ul>
            <p><a href="https://shop.example.com/sale?c={{ campaign.name | url_encode }}">Shop the sale</a> · <a href="https://shop.example.com/new">New in</a></p>
            </body></html>
            """,
            "<h1>Spring is here, {{ customer.first_name | default: \"friend\" }}!</h1><p>Take 10% off your next order with code <strong>SPRING10</strong>.</p>",
        ];

        foreach (var (source, i) in sources.Select((s, i) => (s, i)))
        {
            var links = Links(100 + i);
            var compiled = _renderer.Compile(new TemplateSource("Hi", null, source, "text"));
            compiled.Errors.ShouldBeEmpty();
            var html = _renderer.Render(compiled.Template!, recipient, RecipientTestBuilder.Campaign(), new MessageFooter(links.UnsubscribeUrl, "1 High Street")).Html;

            var rewritten = HtmlLinks.Rewrite(html, links);

            Encoding.UTF8.GetBytes(rewritten).ShouldBe(Encoding.UTF8.GetBytes(RegexRewrite(html, links)));
            HtmlLinks.RewriteUtf8(html, links).ShouldBe(Encoding.UTF8.GetBytes(RegexRewrite(html, links)));
            // The demo shop's template has no link but the footer's unsubscribe link, which stays as it is.
            rewritten.Contains(BaseUrl + "/t/c/", StringComparison.Ordinal).ShouldBe(i < 2);
            rewritten.ShouldContain(links.OpenPixelUrl!);
        }
    }

    [Fact]
    public void APreviewKeepsItsHtml()
    {
        const string html = "<a href=\"https://shop.example.com/\">x</a></body>";

        HtmlLinks.Rewrite(html, MessageLinks.Preview(BaseUrl)).ShouldBe(html);
        HtmlLinks.RewriteUtf8(html, MessageLinks.Preview(BaseUrl)).ShouldBe(Encoding.UTF8.GetBytes(html));
    }

    private MessageLinks Links(long messageId)
    {
        var links = _tokens.LinksFor(new MessageDelivery(messageId, 2, 3), BaseUrl, Clicks);
        return links;
    }

    // The implementation before session 13, kept as the reference.
    private static string RegexRewrite(string html, MessageLinks links)
    {
        var rewritten = Href().Replace(html, match =>
        {
            var url = WebUtility.HtmlDecode(match.Groups["url"].Value);
            return url != links.UnsubscribeUrl && url.Length <= Domain.Limits.Url && links.ClickUrl(url) is { } tracked
                ? $"{match.Groups["pre"].Value}{tracked}\""
                : match.Value;
        });
        if (links.OpenPixelUrl is not { } pixelUrl)
        {
            return rewritten;
        }

        var pixel = $"<img src=\"{pixelUrl}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px;\">";
        var end = rewritten.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? rewritten + pixel : new StringBuilder(rewritten.Length + pixel.Length).Append(rewritten, 0, end).Append(pixel).Append(rewritten, end, rewritten.Length - end).ToString();
    }

    private static List<string> RegexFind(string html, string unsubscribeUrl)
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

    [GeneratedRegex("(?<pre>\\bhref\\s*=\\s*\")(?<url>https?://[^\"]+)\"", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Href();
}
