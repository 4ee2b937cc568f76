using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;

namespace CampaignStudio.Messaging.Tests.Templates.Blocks;

public class BlockCompilerTests
{
    private const string BaseUrl = "https://studio.example.com";
    private readonly TemplateRenderer _renderer = new();

    private static BlockEmail Compile(params EmailBlock[] blocks) => Compile(BrandStyle.Default, blocks);

    private static BlockEmail Compile(BrandStyle brand, params EmailBlock[] blocks) =>
        BlockCompiler.Compile(new BlockDocument { Blocks = [.. blocks] }, brand, BaseUrl);

    private RenderedMessage Render(BlockEmail email, RecipientData recipient)
    {
        var compiled = _renderer.Compile(new TemplateSource("Hi", null, email.Html, email.Text));
        compiled.Errors.ShouldBeEmpty();
        return _renderer.Render(compiled.Template!, recipient, RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer());
    }

    [Fact]
    public void TheProductGridLoopsOverRecommendationsWithTheChosenLimit()
    {
        var email = Compile(new ProductGridBlock { Count = 4, Columns = 2 });

        email.Html.ShouldContain("{% for p in recommendations limit: 4 %}");
        email.Text.ShouldContain("{% for p in recommendations limit: 4 %}");
        email.Html.ShouldContain("{{ p.name }}");
        email.Html.ShouldContain("{{ p.url }}");
        email.Html.ShouldContain("{{ p.image }}");
        email.Html.ShouldContain("{{ p.price }}");
        email.Html.ShouldContain("{{ p.sale_price }}");
        email.Problems.ShouldBeEmpty();
    }

    [Fact]
    public void AProductGridRendersEachRecommendationWithItsLinkAndTheTextPartListsThem()
    {
        var email = Compile(new ProductGridBlock { Count = 2, Heading = "For you" });
        var recipient = new RecipientTestBuilder()
            .WithRecommendation("Trail Boot", "Shoes", "https://shop.example.com/boot")
            .WithRecommendation("Wool Sock", "Textiles", "https://shop.example.com/sock")
            .WithRecommendation("Third", "Textiles", "https://shop.example.com/third")
            .Build();

        var message = Render(email, recipient);

        message.Html.ShouldContain("<a href=\"https://shop.example.com/boot\"");
        message.Html.ShouldContain(">Trail Boot</a>");
        message.Html.ShouldContain(">Wool Sock</a>");
        message.Html.ShouldNotContain("Third");
        message.Text.ShouldContain("- Trail Boot\n  https://shop.example.com/boot");
        message.Text.ShouldContain("For you");
        message.Text.ShouldNotContain("<");
    }

    [Fact]
    public void AProductGridWithoutRecommendationsShowsNothing()
    {
        var message = Render(Compile(new ProductGridBlock { Heading = "Picked for you" }), new RecipientTestBuilder().Build());

        message.Html.ShouldNotContain("Picked for you");
        message.Text.ShouldNotContain("Picked for you");
    }

    [Fact]
    public void CssIsInlinedAndOnlyThePhoneRulesStayInAStyleBlock()
    {
        var brand = BrandStyle.Default with { PrimaryColor = "#aa0044", BodyFont = "Verdana" };
        var email = Compile(brand, new ButtonBlock { Label = "Shop", Url = "https://shop.example.com/" }, new TextBlock { Text = "Hello" });

        var button = email.Html[email.Html.IndexOf("class=\"cs-button\"", StringComparison.Ordinal)..];
        button[..button.IndexOf('>')].ShouldContain("background-color: #aa0044");
        email.Html.ShouldContain("Verdana, Geneva, sans-serif");
        email.Html.Split("<style").Length.ShouldBe(2);
        email.Html.ShouldContain("@media only screen and (max-width: 620px)");
        email.Html.ShouldContain("max-width: 600px");
        email.Html.ShouldContain("role=\"presentation\"");
    }

    [Fact]
    public void MarketerTextIsShownAsWrittenWhileMergeFieldsStayLiquid()
    {
        var email = Compile(new TextBlock { Text = "Hi {{ customer.first_name | default: \"there\" }} <script>alert(1)</script> & {% if customer.city %}from {{ customer.city }}{% endif %}" });

        email.Html.ShouldContain("{{ customer.first_name | default: \"there\" }}");
        email.Html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; {% if customer.city %}");
        email.Html.ShouldNotContain("<script>");

        var message = Render(email, new RecipientTestBuilder().WithName(null, null).Build());
        message.Html.ShouldContain("Hi there &lt;script&gt;alert(1)&lt;/script&gt; &amp; from London");
        message.Text.ShouldContain("Hi there <script>alert(1)</script> & from London");
    }

    [Fact]
    public void ALiquidComparisonSurvivesTheInliner()
    {
        var email = Compile(new TextBlock { Text = "{% if recommendations.size > 1 %}Several picks{% endif %}" });

        email.Html.ShouldContain("{% if recommendations.size > 1 %}Several picks{% endif %}");
    }

    [Fact]
    public void ALinkThatIsNotAWebAddressIsLeftOutAndSaid()
    {
        var email = Compile(new ButtonBlock { Label = "Click", Url = "javascript:alert(1)" }, new HeroImageBlock { ImageUrl = "file:///etc/passwd" });

        email.Html.ShouldNotContain("javascript:");
        email.Html.ShouldNotContain("file:");
        email.Problems.Count.ShouldBe(2);
        email.Problems[0].ShouldStartWith("Block 1 (Button) links to \"javascript:alert(1)\"");
        email.Problems[1].ShouldStartWith("Block 2 (Hero image) has the picture \"file:///etc/passwd\"");
    }

    [Fact]
    public void ImagesFromTheLibraryGetTheStudiosAddress()
    {
        var email = Compile(new HeroImageBlock { ImageUrl = "/assets/images/ab12.png", AltText = "Sale" }, new HeaderBlock { ShopName = "Shop" });

        email.Html.ShouldContain("src=\"https://studio.example.com/assets/images/ab12.png\"");
        email.Problems.ShouldBeEmpty(); // the header falls back to the shop name without a logo
    }

    [Fact]
    public void TheHeaderUsesTheBrandLogoUnlessItHasItsOwn()
    {
        var brand = BrandStyle.Default with { LogoUrl = "https://cdn.example.com/logo.png" };

        Compile(brand, new HeaderBlock()).Html.ShouldContain("src=\"https://cdn.example.com/logo.png\"");
        Compile(brand, new HeaderBlock { LogoUrl = "https://cdn.example.com/other.png" }).Html.ShouldContain("src=\"https://cdn.example.com/other.png\"");
    }

    [Fact]
    public void EveryBlockKindCompilesToARenderableTemplate()
    {
        var email = BlockCompiler.Compile(new BlockDocument
        {
            Blocks =
            [
                .. BlockDocument.Starter().Blocks,
                new HeroImageBlock { ImageUrl = "https://cdn.example.com/hero.jpg", AltText = "Spring", Link = "https://shop.example.com/spring" },
                new DiscountCodeBlock { Code = "SPRING10" },
                new HeadingBlock { Text = "Smaller", Level = 2, Align = BlockAlign.Center },
            ],
        }, BrandStyle.Default, BaseUrl);

        email.Problems.ShouldBeEmpty();
        var message = Render(email, new RecipientTestBuilder().WithRecommendation("Boot", "Shoes", "https://shop.example.com/boot").Build());
        message.Html.ShouldContain("Hello Ada!");
        message.Html.ShouldContain("SPRING10");
        message.Text.ShouldContain("Your code at checkout: SPRING10");
        message.Text.ShouldContain("Visit the shop: https://shop.example.com/");
        message.Text.ShouldContain(RecipientTestBuilder.Footer().PostalAddress.Split('\n')[0].Trim());
    }

    [Fact]
    public void TheSameBlocksCompileToTheSameEmail()
    {
        var first = BlockCompiler.Compile(BlockDocument.Starter(), BrandStyle.Default, BaseUrl);
        var second = BlockCompiler.Compile(BlockDocument.Starter(), BrandStyle.Default, BaseUrl);

        second.Html.ShouldBe(first.Html);
        second.Text.ShouldBe(first.Text);
    }

    [Fact]
    public void ButtonTextIsDarkOnALightBrandColour()
    {
        BlockCompiler.OnColour("#ffeb3b").ShouldBe("#111111");
        BlockCompiler.OnColour("#1565c0").ShouldBe("#ffffff");
    }

    [Fact]
    public void BlocksSurviveTheirJson()
    {
        var json = BlockDocument.Starter().ToJson();

        BlockDocument.TryParse(json, out var back, out var problem).ShouldBeTrue(problem);
        back.Blocks.Select(b => b.GetType()).ShouldBe(BlockDocument.Starter().Blocks.Select(b => b.GetType()));
        json.ShouldContain("\"type\":\"products\"");
        BlockDocument.TryParse("{\"blocks\":[{\"type\":\"nonsense\"}]}", out _, out var unknown).ShouldBeFalse();
        unknown.ShouldNotBeNull().ShouldStartWith("The blocks cannot be read");
    }
}
