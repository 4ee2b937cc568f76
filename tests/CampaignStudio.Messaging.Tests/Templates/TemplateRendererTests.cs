using System.Collections.Concurrent;
using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Tests.Templates;

public class TemplateRendererTests
{
    private readonly TemplateRenderer _renderer = new();

    private CompiledTemplate Compile(string html, string? text = "Hi {{ customer.first_name }}", string subject = "Hello", string? preheader = null)
    {
        var compilation = _renderer.Compile(new TemplateSource(subject, preheader, html, text));
        compilation.Errors.ShouldBeEmpty();
        return compilation.Template!;
    }

    private RenderedMessage Render(CompiledTemplate template, RecipientData? recipient = null) =>
        _renderer.Render(template, recipient ?? new RecipientTestBuilder().Build(), RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer());

    [Fact]
    public void MergesCustomerCampaignAndRecommendationFields()
    {
        var template = Compile(
            "<p>Hi {{ customer.first_name }} {{ customer.last_name }} from {{ customer.city }}, {{ customer.country }} ({{ customer.email }})</p>" +
            "<p>Tier {{ campaign.discount_tier }} in {{ campaign.name }}; VIP={{ customer.attributes.vip }}; top={{ top_category }}; last={{ last_product }}</p>" +
            "<ul>{% for r in recommendations %}<li><a href=\"{{ r.url }}\">{{ r.name }}</a> ({{ r.category }})</li>{% endfor %}</ul>",
            subject: "{{ customer.first_name }}, {{ campaign.discount_tier }} deals");
        var recipient = new RecipientTestBuilder()
            .WithAttribute("vip", "yes")
            .WithRecommendation("Boot", "Shoes", "https://shop.example.com/boot")
            .WithRecommendation("Sock", "Textiles", "https://shop.example.com/sock")
            .Build();

        var message = Render(template, recipient);

        message.Subject.ShouldBe("Ada, gold deals");
        message.Html.ShouldContain("<p>Hi Ada Lovelace from London, GB (ada@example.com)</p>");
        message.Html.ShouldContain("Tier gold in Spring sale; VIP=yes; top=Shoes; last=Trail Runner");
        message.Html.ShouldContain("<li><a href=\"https://shop.example.com/boot\">Boot</a> (Shoes)</li><li><a href=\"https://shop.example.com/sock\">Sock</a> (Textiles)</li>");
    }

    [Fact]
    public void AProductWithoutAUrlIsItsNameWithoutALink()
    {
        // Products have no URL until the products issue: the usual `if p.url` must see nothing for a missing, empty or blank one.
        var template = Compile("<ul>{% for p in recommendations %}<li>{% if p.url %}<a href=\"{{ p.url }}\">{{ p.name }}</a>{% else %}{{ p.name }}{% endif %}</li>{% endfor %}</ul>");
        var recipient = new RecipientTestBuilder().WithRecommendation("Boot", "Shoes", "https://shop.example.com/boot").Build() with
        {
            Recommendations =
            [
                new ProductRecommendation("Boot", "Shoes", "https://shop.example.com/boot"),
                new ProductRecommendation("Books item 20", "Books"),
                new ProductRecommendation("Empty link", "Books", ""),
                new ProductRecommendation("Blank link", "Books", "  "),
            ],
        };

        var message = Render(template, recipient);

        message.Html.ShouldContain("<ul><li><a href=\"https://shop.example.com/boot\">Boot</a></li><li>Books item 20</li><li>Empty link</li><li>Blank link</li></ul>");
        message.Html.ShouldNotContain("href=\"\"");
    }

    [Fact]
    public void DefaultFilterFillsMissingValues()
    {
        var template = Compile("<p>Hi {{ customer.first_name | default: \"there\" }}</p>", "Hi {{ customer.first_name | default: \"there\" }}");

        var message = Render(template, new RecipientTestBuilder().WithName(null, null).Build());

        message.Html.ShouldContain("<p>Hi there</p>");
        message.Text.ShouldStartWith("Hi there");
    }

    [Fact]
    public void EncodesCustomerValuesInHtmlButNotInText()
    {
        var template = Compile("<p>Hi {{ customer.first_name }} {{ customer.first_name | raw }} {{ customer.attributes.note }}</p>", "Hi {{ customer.first_name }}");
        var recipient = new RecipientTestBuilder()
            .WithName("<script>alert(1)</script>", "X")
            .WithAttribute("note", "\"><img src=x onerror=alert(2)>")
            .Build();

        var message = Render(template, recipient);

        message.Html.ShouldNotContain("<script>");
        message.Html.ShouldNotContain("<img");
        message.Html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        message.Text.ShouldStartWith("Hi <script>alert(1)</script>");
    }

    [Fact]
    public void KeepsNonAsciiLettersReadableInHtml()
    {
        var message = Render(Compile("<p>{{ customer.first_name }}</p>"), new RecipientTestBuilder().WithName("Zoë Ñandú", null).Build());

        message.Html.ShouldContain("<p>Zoë Ñandú</p>");
    }

    [Theory]
    [InlineData("{{ env }}")]
    [InlineData("{{ system }}")]
    [InlineData("{{ environment.MachineName }}")]
    [InlineData("{{ customer.GetType }}")]
    [InlineData("{{ customer.GetType.Assembly }}")]
    [InlineData("{{ customer.first_name.GetType.FullName }}")]
    [InlineData("{{ recommendations.GetType }}")]
    [InlineData("{{ campaign.CampaignId }}")]
    public void SandboxPayloadsRenderNothing(string payload)
    {
        var template = Compile($"<p>[{payload}]</p>", $"[{payload}]");

        var message = Render(template, new RecipientTestBuilder().WithRecommendation("Boot", "Shoes", "https://x").Build());

        message.Html.ShouldContain("<p>[]</p>");
        message.Text.ShouldStartWith("[]");
    }

    [Theory]
    [InlineData("{% include 'secrets' %}")]
    [InlineData("{% render '/etc/passwd' %}")]
    public void FileTagsAreRejected(string tag)
    {
        var compilation = _renderer.Compile(new TemplateSource("Hi", null, $"<p>ok</p>\n  {tag}", null));

        compilation.Succeeded.ShouldBeFalse();
        var error = compilation.Errors.ShouldHaveSingleItem();
        error.Part.ShouldBe(TemplatePart.Html);
        error.Message.ShouldContain("not available");
        error.Line.ShouldBe(2);
        error.Column.ShouldBe(3);
    }

    [Fact]
    public void SyntaxErrorReportsPartLineAndColumn()
    {
        var compilation = _renderer.Compile(new TemplateSource("Hi", null, "<p>one</p>\n<p>two</p>\n<p>{{ customer.first_name </p>", null));

        compilation.Succeeded.ShouldBeFalse();
        compilation.Template.ShouldBeNull();
        var error = compilation.Errors.ShouldHaveSingleItem();
        error.Part.ShouldBe(TemplatePart.Html);
        error.Line.ShouldBe(3);
        error.Column.ShouldBeGreaterThan(1);
        error.Message.ShouldNotBeNullOrWhiteSpace();
        error.Message.ShouldNotContain("Source:");
    }

    [Fact]
    public void ReportsErrorsOfEveryPart()
    {
        var compilation = _renderer.Compile(new TemplateSource("{% if x %}", null, "<p>{{ a </p>", "{{ b"));

        compilation.Errors.Select(e => e.Part).ShouldBe([TemplatePart.Subject, TemplatePart.Html, TemplatePart.Text]);
        compilation.Errors.ShouldAllBe(e => e.Line == 1);
    }

    [Theory]
    [InlineData("<html><body><p>Body</p></body></html>")]
    [InlineData("<p>No body element</p>")]
    [InlineData("<p>Sneaky</p><!-- hide the rest")]
    [InlineData("<p>Sneaky</p><style>")]
    [InlineData("<p>Sneaky</p>{% comment %}")]
    public void FooterIsAlwaysPresentInHtmlAndText(string html)
    {
        var compilation = _renderer.Compile(new TemplateSource("Hi", null, html.Replace("{% comment %}", "{% comment %}x{% endcomment %}"), "Text body"));
        var message = Render(compilation.Template!);

        var footerAt = message.Html.IndexOf("class=\"cs-footer\"", StringComparison.Ordinal);
        footerAt.ShouldBeGreaterThan(0);
        message.Html.ShouldContain("<a href=\"https://studio.example.com/u/token-1\"");
        message.Html.ShouldContain("Example Shop Ltd<br>1 High Street<br>London N1 1AA");
        message.Text.ShouldContain("Unsubscribe: https://studio.example.com/u/token-1");
        message.Text.ShouldContain("Example Shop Ltd\n1 High Street\nLondon N1 1AA");

        // Nothing the template opened may swallow the footer.
        var beforeFooter = message.Html[..footerAt];
        beforeFooter.LastIndexOf("<!--", StringComparison.Ordinal).ShouldBeLessThanOrEqualTo(beforeFooter.LastIndexOf("-->", StringComparison.Ordinal));
        beforeFooter.LastIndexOf("<style", StringComparison.Ordinal).ShouldBeLessThanOrEqualTo(beforeFooter.LastIndexOf("</style", StringComparison.Ordinal));
    }

    [Fact]
    public void FooterGoesInsideTheBody()
    {
        var message = Render(Compile("<html><body><p>Body</p></body></html>"));

        message.Html.IndexOf("cs-footer", StringComparison.Ordinal).ShouldBeLessThan(message.Html.IndexOf("</body>", StringComparison.Ordinal));
        message.Html.ShouldEndWith("</body></html>");
    }

    [Fact]
    public void PreheaderIsAHiddenSpanAtTheTopOfTheBody()
    {
        var template = Compile("<html><head><title>T</title></head><body><p>Body</p></body></html>", preheader: "Deals for {{ customer.first_name }} & friends");

        var message = Render(template);

        message.Preheader.ShouldBe("Deals for Ada & friends");
        var body = message.Html.IndexOf("<body>", StringComparison.Ordinal) + "<body>".Length;
        message.Html[body..].ShouldStartWith("<span class=\"preheader\" style=\"display:none !important;");
        message.Html.ShouldContain(">Deals for Ada &amp; friends</span>");
        message.Html.IndexOf("preheader", StringComparison.Ordinal).ShouldBeLessThan(message.Html.IndexOf("<p>Body</p>", StringComparison.Ordinal));
    }

    [Fact]
    public void SubjectIsOneLine()
    {
        var template = Compile("<p>x</p>", subject: "Hello\r\n{{ customer.first_name }}\nBcc: evil@example.com");

        Render(template).Subject.ShouldBe("Hello Ada Bcc: evil@example.com");
    }

    [Fact]
    public void DerivesTextFromHtmlWhenNoTextPartIsGiven()
    {
        var template = Compile(
            "<html><head><style>p{color:red}</style></head><body><h1>Hi {{ customer.first_name }}</h1><p>See <a href=\"{{ recommendations[0].url }}\">our &amp; your picks</a></p></body></html>",
            text: null);

        var message = Render(template, new RecipientTestBuilder().WithRecommendation("Boot", "Shoes", "https://shop.example.com/boot").Build());

        message.Text.ShouldStartWith("Hi Ada\n\nSee our & your picks (https://shop.example.com/boot)");
        message.Text.ShouldNotContain("color:red");
        message.Text.ShouldContain("Unsubscribe: https://studio.example.com/u/token-1");
    }

    [Fact]
    public void RunawayLoopsStopWithARenderError()
    {
        var template = Compile("{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}{% endfor %}");

        Should.Throw<TemplateRenderException>(() => Render(template));
    }

    [Fact]
    public void RendersTwentyThousandPersonalizedMessagesInParallel()
    {
        var template = Compile(
            "<html><body><p>Hi {{ customer.first_name | default: \"there\" }} from {{ customer.city }}</p>" +
            "{% for r in recommendations %}<a href=\"{{ r.url }}\">{{ r.name }}</a>{% endfor %}<p>{{ campaign.discount_tier }}</p></body></html>",
            "Hi {{ customer.first_name | default: \"there\" }}, code {{ customer.attributes.code }}",
            "{{ customer.first_name | default: \"Friend\" }}: deals in {{ top_category }}",
            "Only for {{ customer.email }}");
        var recipients = Enumerable.Range(0, 20_000).Select(i => new RecipientTestBuilder()
            .WithId(i)
            .WithEmail($"c{i}@example.com")
            .WithName(i % 10 == 0 ? null : $"Name{i}", "L")
            .WithCity($"City{i % 50}")
            .WithTopCategory($"Cat{i % 7}")
            .WithAttribute("code", $"C{i}")
            .WithRecommendation($"P{i}", "Shoes", $"https://shop.example.com/p/{i}")
            .Build()).ToArray();
        var campaign = RecipientTestBuilder.Campaign();
        var results = new ConcurrentDictionary<long, RenderedMessage>();

        Parallel.ForEach(recipients, r => results[r.CustomerId] = _renderer.Render(template, r, campaign, RecipientTestBuilder.Footer(r.CustomerId)));

        results.Count.ShouldBe(20_000);
        foreach (var r in recipients)
        {
            var m = results[r.CustomerId];
            var name = r.FirstName ?? "there";
            m.Subject.ShouldBe($"{r.FirstName ?? "Friend"}: deals in {r.TopCategory}");
            m.Preheader.ShouldBe($"Only for {r.Email}");
            m.Html.ShouldContain($"<p>Hi {name} from {r.City}</p><a href=\"https://shop.example.com/p/{r.CustomerId}\">P{r.CustomerId}</a><p>gold</p>");
            m.Html.ShouldContain($"https://studio.example.com/u/token-{r.CustomerId}\"");
            m.Text.ShouldStartWith($"Hi {name}, code C{r.CustomerId}\n");
        }
    }
}
