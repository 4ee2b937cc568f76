namespace CampaignStudio.Messaging.Templates;

/// <summary>The per-recipient values a template can merge; a plain record so Messaging never sees EF entities.</summary>
public sealed record RecipientData(
    long CustomerId,
    string Email,
    string? FirstName = null,
    string? LastName = null,
    string? City = null,
    string? Country = null,
    IReadOnlyDictionary<string, string>? Attributes = null,
    IReadOnlyList<ProductRecommendation>? Recommendations = null,
    string? TopCategory = null,
    string? LastProduct = null);

/// <summary>
/// One recommended product shown to a recipient: from the catalogue when the shop imported one (link, image, prices,
/// brand), else only the name and category its purchases carry.
/// </summary>
public sealed record ProductRecommendation(string Name, string? Category = null, string? Url = null)
{
    /// <summary>The shop's product id.</summary>
    public string? Id { get; init; }

    public string? ImageUrl { get; init; }
    public decimal? Price { get; init; }
    public decimal? SalePrice { get; init; }
    public string? Currency { get; init; }
    public string? Brand { get; init; }
}

/// <summary>Campaign-level values (one per campaign or per experiment variant).</summary>
public sealed record CampaignData(int CampaignId, string Name, string? DiscountTier = null)
{
    /// <summary>
    /// The products of each chosen collection the template names, by <see cref="ProductCollection.Key"/>: the same for every
    /// recipient, so read once per send batch (in stock at that moment), not per customer. A key missing here is an empty list.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ProductRecommendation>>? Collections { get; init; }
}

/// <summary>The legally required footer: always appended after the template's own content.</summary>
public sealed record MessageFooter(string UnsubscribeUrl, string PostalAddress, string UnsubscribeLabel = "Unsubscribe");

/// <summary>The four Liquid sources of an e-mail design.</summary>
public sealed record TemplateSource(string Subject, string? Preheader, string Html, string? Text)
{
    public static TemplateSource From(Domain.Campaigns.EmailTemplate template) =>
        new(template.Subject, template.Preheader, template.HtmlBody, template.TextBody);
}

/// <summary>A fully personalized message, ready for MIME building.</summary>
public sealed record RenderedMessage(string Subject, string? Preheader, string Html, string Text);

/// <summary>Which source of a template a problem or a field belongs to.</summary>
public enum TemplatePart
{
    Subject,
    Preheader,
    Html,
    Text,
}

/// <summary>A template problem with its position (1-based; 0 when unknown).</summary>
public sealed record TemplateError(TemplatePart Part, string Message, int Line, int Column);
