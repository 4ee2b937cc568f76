namespace CampaignStudio.Domain;

/// <summary>Column sizes shared by validation, the EF configuration and the import.</summary>
public static class Limits
{
    public const int Email = 254;
    public const int ExternalId = 100;
    public const int Name = 100;
    public const int Country = 60;
    public const int City = 100;
    public const int Gender = 20;
    public const int AgeBand = 20;
    public const int Currency = 3;
    public const int Category = 100;
    public const int Product = 200;
    public const int EventType = 60;
    public const int SourceKey = 64;
    public const int Title = 200;
    public const int Description = 2000;
    public const int ShortText = 400;
    public const int Url = 2000;
    public const int IpAddress = 45;
    public const int AttributeKey = 60;
    public const int AttributeValue = 400;
    public const int ImportColumns = 250;
    public const int AttributesPerCustomer = 50;
    public const int AttributesPerProduct = 50;
    public const int Brand = 100;
}
