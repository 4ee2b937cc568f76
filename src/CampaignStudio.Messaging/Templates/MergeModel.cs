using Fluid;
using Fluid.Values;

namespace CampaignStudio.Messaging.Templates;

/// <summary>
/// Turns recipient records into Fluid values by hand: templates only ever see dictionaries of strings,
/// never CLR objects, so there is nothing to reflect on (the sandbox) and nothing to look up by reflection (the speed).
/// </summary>
internal static class MergeModel
{
    public const string Customer = "customer";
    public const string Recommendations = "recommendations";
    public const string Collections = "collections";
    public const string Campaign = "campaign";
    public const string TopCategory = "top_category";
    public const string LastProduct = "last_product";
    public const string UnsubscribeUrl = "unsubscribe_url";

    public static readonly string[] CustomerFields = ["first_name", "last_name", "email", "city", "country", "attributes"];
    public static readonly string[] CampaignFields = ["name", "discount_tier"];
    /// <summary>A recommended product's fields (<c>p.name</c> in <c>{% for p in recommendations %}</c>); the block editor's product grid uses name, url, image, price and sale_price.</summary>
    public static readonly string[] RecommendationFields = ["id", "name", "url", "image", "price", "sale_price", "currency", "category", "brand"];
    public static readonly string[] Roots = [Customer, Recommendations, Collections, Campaign, TopCategory, LastProduct, UnsubscribeUrl];

    public static void Populate(TemplateContext context, RecipientData recipient, CampaignData campaign, MessageFooter footer)
    {
        context.SetValue(Customer, new DictionaryValue(new CustomerIndexable(recipient)));
        context.SetValue(Campaign, new DictionaryValue(new CampaignIndexable(campaign)));
        context.SetValue(Recommendations, Recommendation(recipient.Recommendations));
        context.SetValue(Collections, new DictionaryValue(new CollectionsIndexable(campaign.Collections)));
        context.SetValue(TopCategory, Text(recipient.TopCategory));
        context.SetValue(LastProduct, Text(recipient.LastProduct));
        context.SetValue(UnsubscribeUrl, Text(footer.UnsubscribeUrl));
    }

    /// <summary>Whether a merge path (as reported by <see cref="MergeFieldAnalyzer"/>) has a non-blank value for a recipient.</summary>
    public static bool HasValue(string path, RecipientData recipient, CampaignData campaign)
    {
        var parts = path.Split('.');
        return parts[0] switch
        {
            Customer when parts.Length == 1 => true,
            Customer when parts[1] == "attributes" => parts.Length == 2
                ? recipient.Attributes is { Count: > 0 }
                : recipient.Attributes is { } a && a.TryGetValue(parts[2], out var v) && !string.IsNullOrWhiteSpace(v),
            Customer => !string.IsNullOrWhiteSpace(CustomerField(recipient, parts[1])),
            Campaign when parts.Length == 1 => true,
            Campaign => !string.IsNullOrWhiteSpace(CampaignField(campaign, parts[1])),
            Recommendations => recipient.Recommendations is { Count: > 0 },
            // The same for everyone; an empty or unknown collection is reported by the review itself (ProductCollections.Problem).
            Collections => true,
            TopCategory => !string.IsNullOrWhiteSpace(recipient.TopCategory),
            LastProduct => !string.IsNullOrWhiteSpace(recipient.LastProduct),
            UnsubscribeUrl => true,
            _ => false,
        };
    }

    public static bool IsKnown(string path)
    {
        var parts = path.Split('.');
        return parts[0] switch
        {
            Customer => parts.Length == 1 || CustomerFields.Contains(parts[1]),
            Campaign => parts.Length == 1 || CampaignFields.Contains(parts[1]),
            _ => Roots.Contains(parts[0]),
        };
    }

    private static string? CustomerField(RecipientData r, string name) => name switch
    {
        "first_name" => r.FirstName,
        "last_name" => r.LastName,
        "email" => r.Email,
        "city" => r.City,
        "country" => r.Country,
        _ => null,
    };

    private static string? CampaignField(CampaignData c, string name) => name switch
    {
        "name" => c.Name,
        "discount_tier" => c.DiscountTier,
        _ => null,
    };

    /// <summary>
    /// A blank value is nil, not an empty text: Liquid counts "" as true, so <c>{% if p.url %}</c> printed
    /// <c>&lt;a href=""&gt;</c> for a product without a link. Blank means missing here, as in <see cref="HasValue"/>.
    /// </summary>
    private static FluidValue Text(string? value) => string.IsNullOrWhiteSpace(value) ? NilValue.Instance : StringValue.Create(value);

    private static FluidValue Recommendation(IReadOnlyList<ProductRecommendation>? items)
    {
        if (items is not { Count: > 0 })
        {
            return ArrayValue.Empty;
        }

        var values = new FluidValue[items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new DictionaryValue(new RecommendationIndexable(items[i]));
        }

        return new ArrayValue(values);
    }

    private sealed class CustomerIndexable(RecipientData recipient) : IFluidIndexable
    {
        public int Count => CustomerFields.Length;

        public IEnumerable<string> Keys => CustomerFields;

        public bool TryGetValue(string name, out FluidValue value)
        {
            if (name == "attributes")
            {
                value = recipient.Attributes is { Count: > 0 } a ? new DictionaryValue(new AttributesIndexable(a)) : NilValue.Instance;
                return true;
            }

            value = Text(CustomerField(recipient, name));
            return value is not NilValue || CustomerFields.Contains(name);
        }
    }

    private sealed class CampaignIndexable(CampaignData campaign) : IFluidIndexable
    {
        public int Count => CampaignFields.Length;

        public IEnumerable<string> Keys => CampaignFields;

        public bool TryGetValue(string name, out FluidValue value)
        {
            value = Text(CampaignField(campaign, name));
            return value is not NilValue || CampaignFields.Contains(name);
        }
    }

    /// <summary>Chosen collections by key; a key the send did not fill is an empty list (so <c>.size</c> is 0), never an error.</summary>
    private sealed class CollectionsIndexable(IReadOnlyDictionary<string, IReadOnlyList<ProductRecommendation>>? collections) : IFluidIndexable
    {
        public int Count => collections?.Count ?? 0;

        public IEnumerable<string> Keys => collections?.Keys ?? [];

        public bool TryGetValue(string name, out FluidValue value)
        {
            value = collections is not null && collections.TryGetValue(name, out var products) ? Recommendation(products) : ArrayValue.Empty;
            return true;
        }
    }

    private sealed class RecommendationIndexable(ProductRecommendation item) : IFluidIndexable
    {
        public int Count => RecommendationFields.Length;

        public IEnumerable<string> Keys => RecommendationFields;

        public bool TryGetValue(string name, out FluidValue value)
        {
            value = Text(name switch
            {
                "id" => item.Id,
                "name" => item.Name,
                "url" => item.Url,
                "image" => item.ImageUrl,
                "price" => Money(item.Price),
                "sale_price" => Money(item.SalePrice),
                "currency" => item.Currency,
                "category" => item.Category,
                "brand" => item.Brand,
                _ => null,
            });
            return value is not NilValue;
        }
    }

    /// <summary>
    /// Prices as text with two decimals ("19.90", invariant): what an e-mail shows. Liquid's maths filters still read it as a
    /// number (<c>{{ p.price | minus: p.sale_price }}</c>). No sale price is nil, so <c>{% if p.sale_price %}</c> works.
    /// </summary>
    private static string? Money(decimal? value) => value?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class AttributesIndexable(IReadOnlyDictionary<string, string> attributes) : IFluidIndexable
    {
        public int Count => attributes.Count;

        public IEnumerable<string> Keys => attributes.Keys;

        public bool TryGetValue(string name, out FluidValue value)
        {
            if (attributes.TryGetValue(name, out var text))
            {
                value = Text(text);
                return true;
            }

            value = NilValue.Instance;
            return false;
        }
    }
}
