using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Tests.Templates;

public class MergeFieldCatalogTests
{
    [Fact]
    public void EveryMergeFieldIsExplainedIncludingRecommendationsAndTheirFields()
    {
        MergeFieldCatalog.Fields.Select(f => f.Liquid).ShouldBe(
        [
            "customer.first_name", "customer.last_name", "customer.email", "customer.city", "customer.country", "customer.attributes",
            "campaign.name", "campaign.discount_tier", "recommendations", "collections", "top_category", "last_product", "unsubscribe_url",
            "p.id", "p.name", "p.url", "p.image", "p.price", "p.sale_price", "p.currency", "p.category", "p.brand",
        ], ignoreOrder: true);
        MergeFieldCatalog.Fields.ShouldAllBe(f => f.Meaning.Length > 0);
    }

    [Fact]
    public void TheBlockEditorsProductGridFieldsAreKnownAndRenderFromTheCatalogue()
    {
        // The block editor's product grid emits exactly these names (issue 16); prices come out with two decimals.
        string[] grid = ["p.name", "p.url", "p.image", "p.price", "p.sale_price"];
        grid.ShouldBeSubsetOf(MergeFieldCatalog.Fields.Select(f => f.Liquid));
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource("Hi", null,
            "{% for p in recommendations limit: 2 %}[{{ p.name }}|{{ p.url }}|{{ p.image }}|{{ p.price }}|{{ p.sale_price | default: \"-\" }}|{{ p.brand }}]{% endfor %}", null)).Template!;
        var recipient = new RecipientTestBuilder().Build() with
        {
            Recommendations =
            [
                new ProductRecommendation("Boot", "Shoes", "https://shop.example.com/boot") { ImageUrl = "https://cdn.example.com/boot.jpg", Price = 80m, SalePrice = 59.9m, Brand = "Alp" },
                new ProductRecommendation("Sock", "Shoes", "https://shop.example.com/sock") { Price = 4.5m },
            ],
        };

        var html = renderer.Render(template, recipient, RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()).Html;

        html.ShouldContain("[Boot|https://shop.example.com/boot|https://cdn.example.com/boot.jpg|80.00|59.90|Alp]");
        html.ShouldContain("[Sock|https://shop.example.com/sock||4.50|-|]");
    }

    [Fact]
    public void TheRecommendationsSnippetLinksOnlyProductsThatHaveAUrl()
    {
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource("Hi", null, MergeFieldCatalog.RecommendationsSnippet, null)).Template!;
        var recipient = new RecipientTestBuilder().Build() with
        {
            Recommendations = [new ProductRecommendation("Boot", "Shoes", "https://shop.example.com/boot"), new ProductRecommendation("Books item 20", "Books")],
        };

        var html = renderer.Render(template, recipient, RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()).Html;

        html.ShouldContain("<li><a href=\"https://shop.example.com/boot\">Boot</a></li>");
        html.ShouldContain("<li>Books item 20</li>");
        html.ShouldNotContain("href=\"\"");
    }

    [Fact]
    public void EveryPickerSnippetIsAKnownFieldWithAFallback()
    {
        var renderer = new TemplateRenderer();
        MergeFieldCatalog.PickerSnippets.ShouldContain(s => s.Liquid == "{{ customer.first_name | default: \"there\" }}");
        foreach (var snippet in MergeFieldCatalog.PickerSnippets)
        {
            var compiled = renderer.Compile(new TemplateSource("x", null, snippet.Liquid, null));
            compiled.Errors.ShouldBeEmpty(snippet.Liquid);
            MergeFieldAnalyzer.FindUnknown(compiled.Template!).ShouldBeEmpty(snippet.Liquid);
            MergeFieldAnalyzer.FindFields(compiled.Template!).ShouldAllBe(f => f.HasFallback, snippet.Liquid);
        }
    }
}
