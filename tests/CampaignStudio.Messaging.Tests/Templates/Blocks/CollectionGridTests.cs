using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;

namespace CampaignStudio.Messaging.Tests.Templates.Blocks;

/// <summary>A product grid from a chosen collection (issue 16): its one home in the model, <c>collections["…"]</c>, filled once per send.</summary>
public class CollectionGridTests
{
    private readonly TemplateRenderer _renderer = new();

    private static BlockEmail Compile(params EmailBlock[] blocks) =>
        BlockCompiler.Compile(new BlockDocument { Blocks = [.. blocks] }, BrandStyle.Default, "https://studio.example.com");

    private static readonly IReadOnlyList<ProductRecommendation> Coats =
    [
        new("Parka \"Nord\"", "Coats", "https://shop.example.com/parka") { Id = "parka", Price = 200m, SalePrice = 150m },
        new("Anorak", "Coats", "https://shop.example.com/anorak") { Id = "anorak", Price = 120m },
        new("Rain cape", "Coats", "https://shop.example.com/cape") { Id = "cape", Price = 40m },
    ];

    private CompiledTemplate CompileTemplate(BlockEmail email)
    {
        var compiled = _renderer.Compile(new TemplateSource("Hi", null, email.Html, email.Text));
        compiled.Errors.ShouldBeEmpty();
        return compiled.Template!;
    }

    private RenderedMessage Render(CompiledTemplate template, RecipientData recipient, IReadOnlyDictionary<string, IReadOnlyList<ProductRecommendation>>? collections) =>
        _renderer.Render(template, recipient, RecipientTestBuilder.Campaign() with { Collections = collections }, RecipientTestBuilder.Footer());

    [Fact]
    public void ACategoryGridLoopsOverItsCollectionAndTheTemplateNamesIt()
    {
        var email = Compile(new ProductGridBlock { Source = ProductSource.Category, Category = "Coats", Count = 2 });

        email.Problems.ShouldBeEmpty();
        email.Html.ShouldContain("{% for p in collections[\"category:Coats\"] limit: 2 %}");
        email.Html.ShouldContain("{% if collections[\"category:Coats\"].size > 0 %}");
        email.Text.ShouldContain("{% for p in collections[\"category:Coats\"] limit: 2 %}");
        email.Html.ShouldNotContain("recommendations");
        MergeFieldAnalyzer.FindCollections(CompileTemplate(email)).ShouldBe(["category:Coats"]);
        MergeFieldAnalyzer.FindUnknown(CompileTemplate(email)).ShouldBeEmpty();
    }

    [Fact]
    public void TwoCustomersSeeTheSameProductsWithTheirLinksAndTheTextPartListsThem()
    {
        var template = CompileTemplate(Compile(
            new HeadingBlock { Text = "Hello {{ customer.first_name }}" },
            new ProductGridBlock { Source = ProductSource.Category, Category = "Coats", Count = 2, Heading = "New coats" }));
        var collections = new Dictionary<string, IReadOnlyList<ProductRecommendation>> { ["category:Coats"] = Coats };
        var ann = new RecipientTestBuilder().WithName("Ann", "A").WithRecommendation("Something else", "Toys", "https://shop.example.com/toy").Build();
        var bob = new RecipientTestBuilder().WithName("Bob", "B").Build();

        var first = Render(template, ann, collections);
        var second = Render(template, bob, collections);

        foreach (var message in new[] { first, second })
        {
            message.Html.ShouldContain("<a href=\"https://shop.example.com/parka\"");
            message.Html.ShouldContain("Parka &quot;Nord&quot;</a>");
            message.Html.ShouldContain(">Anorak</a>");
            message.Html.ShouldNotContain("Rain cape"); // the block's count
            message.Html.ShouldNotContain("Something else"); // a collection, not the customer's recommendations
            message.Text.ShouldContain("New coats");
            message.Text.ShouldContain("- Parka \"Nord\" 150.00 (was 200.00)\n  https://shop.example.com/parka");
            message.Text.ShouldContain("- Anorak 120.00\n  https://shop.example.com/anorak");
        }

        first.Html.Replace("Ann", "Bob", StringComparison.Ordinal).ShouldBe(second.Html);
    }

    [Fact]
    public void AnEmptyOrUnfilledCollectionLeavesTheGridOut()
    {
        var template = CompileTemplate(Compile(new TextBlock { Text = "Hi" }, new ProductGridBlock { Source = ProductSource.Brand, Brand = "Acme", Heading = "Acme picks" }));
        var recipient = new RecipientTestBuilder().Build();

        var empty = Render(template, recipient, new Dictionary<string, IReadOnlyList<ProductRecommendation>> { ["brand:Acme"] = [] });
        var unfilled = Render(template, recipient, null);

        foreach (var message in new[] { empty, unfilled })
        {
            message.Html.ShouldNotContain("Acme picks");
            message.Html.ShouldNotContain("cs-product\"");
            message.Text.ShouldNotContain("Acme picks");
        }
    }

    [Fact]
    public void HandPickedProductsAllShowInTheirOrder()
    {
        var email = Compile(new ProductGridBlock { Source = ProductSource.Products, ProductIds = ["cape", "parka", "anorak"], Count = 1 });
        var template = CompileTemplate(email);

        var message = Render(template, new RecipientTestBuilder().Build(),
            new Dictionary<string, IReadOnlyList<ProductRecommendation>> { ["products:cape,parka,anorak"] = [Coats[2], Coats[0], Coats[1]] });

        email.Html.ShouldContain("{% for p in collections[\"products:cape,parka,anorak\"] limit: 3 %}");
        message.Html.IndexOf("Rain cape", StringComparison.Ordinal).ShouldBeLessThan(message.Html.IndexOf("Parka", StringComparison.Ordinal));
        message.Html.IndexOf("Parka", StringComparison.Ordinal).ShouldBeLessThan(message.Html.IndexOf("Anorak", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ProductSource.Category, "Block 1 (Product grid) shows a category, but none is chosen.")]
    [InlineData(ProductSource.Brand, "Block 1 (Product grid) shows a brand, but none is chosen.")]
    [InlineData(ProductSource.Products, "Block 1 (Product grid) shows products picked by hand, but none is picked.")]
    public void AGridWhoseCollectionIsNotChosenIsLeftOutAndSaid(ProductSource source, string problem)
    {
        var email = Compile(new ProductGridBlock { Source = source, Category = " ", ProductIds = [" "] });

        email.Problems.ShouldBe([problem]);
        email.Html.ShouldNotContain("{% for p in");
    }

    [Fact]
    public void NamesWithQuotesCommasAndBracesMakeKeysThatReadBack()
    {
        var category = ProductCollection.Category("Kids' \"best\", {new} 100%")!;
        var products = ProductCollection.Products(["a,b", "c\"d", "a,b", " "])!;

        ProductCollection.TryParse(category.Key, out var readCategory, out _).ShouldBeTrue();
        ProductCollection.TryParse(products.Key, out var readProducts, out _).ShouldBeTrue();
        readCategory!.Values.ShouldBe(["Kids' \"best\", {new} 100%"]);
        readProducts!.Values.ShouldBe(["a,b", "c\"d"]);
        category.Key.IndexOfAny(['"', '\'', ',', '{', '}']).ShouldBe(-1);

        // And a grid of such a category compiles to a template that parses and names the same key.
        var template = CompileTemplate(Compile(new ProductGridBlock { Source = ProductSource.Category, Category = category.Values[0] }));
        MergeFieldAnalyzer.FindCollections(template).ShouldBe([category.Key]);
    }

    [Theory]
    [InlineData("shoes", "collections[\"shoes\"] is not a collection: write collections[\"category:…\"], collections[\"brand:…\"] or collections[\"products:id1,id2\"].")]
    [InlineData("category:", "collections[\"category:\"] names no category.")]
    [InlineData("products:,", "collections[\"products:,\"] names no product.")]
    public void AKeyThatIsNotACollectionSaysHowToWriteOne(string key, string problem)
    {
        ProductCollection.TryParse(key, out var collection, out var said).ShouldBeFalse();

        collection.ShouldBeNull();
        said.ShouldBe(problem);
    }

    [Fact]
    public void AHandWrittenTemplateMayLoopOverACollectionToo()
    {
        var template = _renderer.Compile(new TemplateSource("Hi", null,
            "<html><body>{% for p in collections[\"brand:Acme\"] %}<a href=\"{{ p.url }}\">{{ p.name }}</a>{% endfor %}{{ collections.oops.size }}</body></html>", null)).Template!;

        var html = Render(template, new RecipientTestBuilder().Build(), new Dictionary<string, IReadOnlyList<ProductRecommendation>> { ["brand:Acme"] = [Coats[1]] }).Html;

        html.ShouldContain("<a href=\"https://shop.example.com/anorak\">Anorak</a>");
        MergeFieldAnalyzer.FindCollections(template).ShouldBe(["brand:Acme", "oops"]);
        MergeFieldAnalyzer.FindUnknown(template).ShouldBeEmpty();
    }
}
