using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Tests.Templates;

public sealed class RecipientTestBuilder
{
    private readonly Dictionary<string, string> _attributes = [];
    private readonly List<ProductRecommendation> _recommendations = [];
    private long _id = 1;
    private string _email = "ada@example.com";
    private string? _firstName = "Ada";
    private string? _lastName = "Lovelace";
    private string? _city = "London";
    private string? _country = "GB";
    private string? _topCategory = "Shoes";
    private string? _lastProduct = "Trail Runner";

    public RecipientTestBuilder WithId(long id)
    {
        _id = id;
        return this;
    }

    public RecipientTestBuilder WithEmail(string email)
    {
        _email = email;
        return this;
    }

    public RecipientTestBuilder WithName(string? first, string? last)
    {
        _firstName = first;
        _lastName = last;
        return this;
    }

    public RecipientTestBuilder WithCity(string? city)
    {
        _city = city;
        return this;
    }

    public RecipientTestBuilder WithTopCategory(string? category)
    {
        _topCategory = category;
        return this;
    }

    public RecipientTestBuilder WithAttribute(string key, string value)
    {
        _attributes[key] = value;
        return this;
    }

    public RecipientTestBuilder WithRecommendation(string name, string category, string url)
    {
        _recommendations.Add(new ProductRecommendation(name, category, url));
        return this;
    }

    public RecipientData Build() => new(
        _id, _email, _firstName, _lastName, _city, _country,
        new Dictionary<string, string>(_attributes), _recommendations.ToList(), _topCategory, _lastProduct);

    public static CampaignData Campaign(int id = 7) => new(id, "Spring sale", "gold");

    public static MessageFooter Footer(long id = 1) =>
        new($"https://studio.example.com/u/token-{id}", "Example Shop Ltd\n1 High Street\nLondon N1 1AA");
}
