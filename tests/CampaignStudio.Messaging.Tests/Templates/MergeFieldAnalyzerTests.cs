using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Tests.Templates;

public class MergeFieldAnalyzerTests
{
    private readonly TemplateRenderer _renderer = new();

    private CompiledTemplate Compile(string html, string subject = "Hi", string? text = null) =>
        _renderer.Compile(new TemplateSource(subject, null, html, text)).Template!;

    [Fact]
    public void ListsTheFieldsATemplateUsesButNotItsLocalVariables()
    {
        var template = Compile(
            "{% assign greeting = 'Hi' %}{{ greeting }} {{ customer.first_name | upcase }} {{ customer.attributes.vip }} {{ customer.attributes['tier'] }}" +
            "{% for r in recommendations %}{{ r.name }}{{ forloop.index }}{% endfor %}{{ campaign.discount_tier }}{{ cusomer.city }}",
            subject: "{{ top_category | default: 'news' }}");

        var fields = MergeFieldAnalyzer.FindFields(template);

        fields.Select(f => f.Path).ShouldBe(
            ["campaign.discount_tier", "cusomer", "customer.attributes.tier", "customer.attributes.vip", "customer.first_name", "recommendations", "top_category"]);
        fields.Single(f => f.Path == "top_category").HasFallback.ShouldBeTrue();
        fields.Single(f => f.Path == "customer.first_name").HasFallback.ShouldBeFalse();
        fields.Single(f => f.Path == "cusomer").IsKnown.ShouldBeFalse();
        fields.Where(f => f.Path != "cusomer").ShouldAllBe(f => f.IsKnown);
    }

    [Fact]
    public void CountsRecipientsMissingEachFieldWithoutFallback()
    {
        var template = Compile(
            "Hi {{ customer.first_name }} in {{ customer.city }}, {{ customer.last_name | default: 'friend' }}" +
            "{% if customer.attributes.vip %}VIP {{ customer.attributes.vip }}{% endif %} {{ top_category }}",
            text: "Hi {{ customer.first_name }}");
        RecipientData[] recipients =
        [
            new RecipientTestBuilder().WithName("Ada", null).WithCity(null).Build(),
            new RecipientTestBuilder().WithName(null, null).WithCity("Paris").WithTopCategory(null).Build(),
            new RecipientTestBuilder().WithName("  ", "X").WithCity(null).WithAttribute("vip", "yes").Build(),
            new RecipientTestBuilder().WithName("Bo", "Y").WithCity("Rome").Build(),
        ];

        var report = MergeFieldAnalyzer.CountMissing(template, recipients, RecipientTestBuilder.Campaign());

        report.RecipientCount.ShouldBe(4);
        report.Fields.Select(f => (f.Path, f.MissingCount)).ShouldBe(
            [("customer.city", 2), ("customer.first_name", 2), ("top_category", 1)]);
        report.Missing.Count().ShouldBe(3);
    }

    [Fact]
    public void AFieldUsedOnceWithAndOnceWithoutFallbackStillCounts()
    {
        var template = Compile("{{ customer.first_name | default: 'x' }} {{ customer.first_name }}");

        var report = MergeFieldAnalyzer.CountMissing(template, [new RecipientTestBuilder().WithName(null, null).Build()], RecipientTestBuilder.Campaign());

        report.Fields.ShouldHaveSingleItem().ShouldBe(new MissingMergeField("customer.first_name", 1, true));
    }

    [Fact]
    public void UnknownFieldsAreMissingForEveryone()
    {
        var template = Compile("{{ customer.shoe_size }}");

        var report = MergeFieldAnalyzer.CountMissing(template, [new RecipientTestBuilder().Build(), new RecipientTestBuilder().Build()], RecipientTestBuilder.Campaign());

        report.Fields.ShouldHaveSingleItem().ShouldBe(new MissingMergeField("customer.shoe_size", 2, false));
    }

    [Fact]
    public void AnUnknownFieldIsFoundEvenBehindADefaultAndNamesTheNearestKnownField()
    {
        var template = Compile("Hi {{ customer.firstname | default: \"there\" }} {{ cusomer.city }} {{ campaign.nmae }} {{ customer.shoe_size }} {{ customer.first_name }}",
            subject: "{{ top_categroy | default: 'news' }}");

        var unknown = MergeFieldAnalyzer.FindUnknown(template);

        unknown.ShouldBe(
        [
            new UnknownMergeField("campaign.nmae", "campaign.name"),
            new UnknownMergeField("cusomer", "customer"),
            new UnknownMergeField("customer.firstname", "customer.first_name"),
            new UnknownMergeField("customer.shoe_size", null),
            new UnknownMergeField("top_categroy", "top_category"),
        ]);
        unknown[2].Sentence.ShouldBe("{{ customer.firstname }} is not a merge field, so it is empty for everyone — did you mean customer.first_name?");
        unknown[3].Sentence.ShouldBe("{{ customer.shoe_size }} is not a merge field, so it is empty for everyone.");
    }

    [Fact]
    public void ATemplateOfKnownFieldsHasNoUnknownField()
    {
        var template = Compile("{{ customer.first_name | default: 'there' }} {{ customer.attributes.tier }} {% for p in recommendations %}{{ p.name }}{% endfor %} {{ unsubscribe_url }}");

        MergeFieldAnalyzer.FindUnknown(template).ShouldBeEmpty();
    }
}
