namespace CampaignStudio.Messaging.Templates;

/// <summary>A merge field as the template editor explains it: how to write it and what it holds.</summary>
public sealed record MergeFieldHelp(string Liquid, string Meaning);

/// <summary>
/// The merge fields a template can use, in the marketer's words, built from the merge model itself so a new field
/// cannot be missing from the editor's help; and the snippets the editor offers.
/// </summary>
public static class MergeFieldCatalog
{
    /// <summary>Recommended products with a link only where the product has one (products from the catalogue do; without a catalogue, none do).</summary>
    public const string RecommendationsSnippet = """
        <ul>
        {% for p in recommendations limit: 3 %}
          <li>{% if p.url %}<a href="{{ p.url }}">{{ p.name }}</a>{% else %}{{ p.name }}{% endif %}</li>
        {% endfor %}
        </ul>
        """;

    private static readonly Dictionary<string, string> Meanings = new(StringComparer.Ordinal)
    {
        ["customer.first_name"] = "first name",
        ["customer.last_name"] = "last name",
        ["customer.email"] = "e-mail address",
        ["customer.city"] = "city",
        ["customer.country"] = "country",
        ["customer.attributes"] = "an imported column, e.g. customer.attributes.loyalty_tier",
        ["campaign.name"] = "the campaign's name",
        ["campaign.discount_tier"] = "the discount set in the campaign (or the experiment arm)",
        [MergeModel.TopCategory] = "the category the customer buys most",
        [MergeModel.LastProduct] = "the product the customer bought last",
        [MergeModel.UnsubscribeUrl] = "the customer's unsubscribe link (the footer always has one)",
        [MergeModel.Recommendations] = "products picked for the customer, a list: {% for p in recommendations limit: 3 %} … {% endfor %}",
        [MergeModel.Collections] = "products of a collection chosen in a product grid, the same for everyone and only those in stock: {% for p in collections[\"category:Shoes\"] %} … {% endfor %} (or \"brand:Acme\", \"products:id1,id2\")",
        ["p.id"] = "a recommended product's id in the shop",
        ["p.name"] = "a recommended product's name",
        ["p.url"] = "its page in the shop (the link is tracked like every link in the mail); empty for products not in the catalogue, so write {% if p.url %}<a href=\"{{ p.url }}\">{{ p.name }}</a>{% else %}{{ p.name }}{% endif %}",
        ["p.image"] = "its image's address, for <img src=\"{{ p.image }}\" alt=\"{{ p.name }}\">",
        ["p.price"] = "its price with two decimals, e.g. 49.90",
        ["p.sale_price"] = "its sale price; empty when it is not on sale: {% if p.sale_price %}<s>{{ p.price }}</s> {{ p.sale_price }}{% else %}{{ p.price }}{% endif %}",
        ["p.currency"] = "the currency of its prices, e.g. EUR (when the catalogue gives one)",
        ["p.category"] = "its category",
        ["p.brand"] = "its brand",
    };

    /// <summary>Every field of the merge model with its meaning, in the order the editor lists them.</summary>
    public static IReadOnlyList<MergeFieldHelp> Fields { get; } =
    [
        .. MergeModel.CustomerFields.Select(f => Help($"{MergeModel.Customer}.{f}")),
        .. MergeModel.CampaignFields.Select(f => Help($"{MergeModel.Campaign}.{f}")),
        .. MergeModel.Roots.Except([MergeModel.Customer, MergeModel.Campaign]).Select(Help),
        .. MergeModel.RecommendationFields.Select(f => Help($"p.{f}")),
    ];

    // Declared before the snippets: static fields start in the order they are written.
    private static readonly Dictionary<string, string> Fallbacks = new(StringComparer.Ordinal)
    {
        ["customer.first_name"] = "there",
        ["customer.city"] = "your city",
        ["customer.country"] = "your country",
        ["campaign.discount_tier"] = "a discount",
        [MergeModel.TopCategory] = "our new collection",
        [MergeModel.LastProduct] = "your last order",
    };

    /// <summary>
    /// What the merge-field picker inserts: each single-value field of the merge model with a fallback, so a customer without
    /// the value still reads a sentence (<c>{{ customer.first_name | default: "there" }}</c>).
    /// </summary>
    public static IReadOnlyList<MergeFieldHelp> PickerSnippets { get; } =
    [
        .. Fields
            .Where(f => !f.Liquid.StartsWith("p.", StringComparison.Ordinal) && f.Liquid is not (MergeModel.Recommendations or MergeModel.Collections or "customer.attributes" or MergeModel.UnsubscribeUrl))
            .Select(f => new MergeFieldHelp($"{{{{ {f.Liquid} | default: \"{Fallbacks.GetValueOrDefault(f.Liquid, "")}\" }}}}", f.Meaning)),
        new MergeFieldHelp("{{ customer.attributes.loyalty_tier | default: \"\" }}", "an imported column (change loyalty_tier to yours)"),
    ];

    private static MergeFieldHelp Help(string path) =>
        new(path, Meanings.TryGetValue(path, out var meaning) ? meaning : throw new InvalidOperationException($"The merge field '{path}' has no help text."));
}
