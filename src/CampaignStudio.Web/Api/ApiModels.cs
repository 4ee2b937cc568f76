using System.Globalization;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Web.Features.Customers;

namespace CampaignStudio.Web.Api;

public sealed record CustomerListRequest(string? Search, string? Sort, bool? Descending, int? Page, int? PageSize);

public sealed record BatchResult(long Inserted, long Updated, IReadOnlyList<BatchItemError> Errors);

/// <summary>A refused item: its 1-based position in the request and why.</summary>
public sealed record BatchItemError(int Item, string Reason);

public sealed record CustomerBatch(IReadOnlyList<CustomerInput> Customers, string? MatchOn = null);

public sealed record CustomerInput(string? Email, string? ExternalId, string? FirstName, string? LastName, string? Country, string? City,
    int? BirthYear, string? AgeBand, string? Gender, DateTime? CreatedAt, Dictionary<string, string>? Attributes)
{
    private static readonly string[] Fixed = [ImportFields.Email, ImportFields.ExternalId, ImportFields.FirstName, ImportFields.LastName, ImportFields.Country,
        ImportFields.City, ImportFields.BirthYear, ImportFields.AgeBand, ImportFields.Gender, ImportFields.CreatedAt];

    /// <summary>The columns of a batch: the fixed fields plus every attribute name used by any item.</summary>
    public static IReadOnlyList<string> Fields(IReadOnlyList<CustomerInput> batch) =>
        Fixed.Concat(AttributeNames(batch).Select(a => ImportFields.AttributePrefix + a)).ToList();

    public string[] ToRow(IReadOnlyList<CustomerInput> batch) =>
    [
        Email ?? "", ExternalId ?? "", FirstName ?? "", LastName ?? "", Country ?? "", City ?? "",
        BirthYear?.ToString(CultureInfo.InvariantCulture) ?? "", AgeBand ?? "", Gender ?? "", CreatedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        .. AttributeNames(batch).Select(a => Attributes?.GetValueOrDefault(a) ?? ""),
    ];

    private static IEnumerable<string> AttributeNames(IReadOnlyList<CustomerInput> batch) =>
        batch.SelectMany(c => c.Attributes?.Keys ?? Enumerable.Empty<string>()).Select(ImportFields.Normalize).Where(k => k.Length > 0).Distinct().Order(StringComparer.Ordinal);
}

public sealed record PurchaseBatch(IReadOnlyList<PurchaseInput> Purchases, string? MatchOn = null);

public sealed record PurchaseInput(string? CustomerEmail, string? CustomerExternalId, string? OrderId, decimal Amount, string? Currency, string? Category,
    string? Product, DateTime PurchasedAt)
{
    public static readonly IReadOnlyList<string> Fields = [ImportFields.CustomerEmail, ImportFields.CustomerExternalId, ImportFields.OrderId, ImportFields.Amount,
        ImportFields.Currency, ImportFields.Category, ImportFields.Product, ImportFields.PurchasedAt];

    public string[] ToRow() =>
    [
        CustomerEmail ?? "", CustomerExternalId ?? "", OrderId ?? "", Amount.ToString(CultureInfo.InvariantCulture), Currency ?? "", Category ?? "",
        Product ?? "", PurchasedAt.ToString("O", CultureInfo.InvariantCulture),
    ];
}

public sealed record EventBatch(IReadOnlyList<EventInput> Events, string? MatchOn = null);

public sealed record EventInput(string? CustomerEmail, string? CustomerExternalId, string? EventId, string Type, DateTime OccurredAt)
{
    public static readonly IReadOnlyList<string> Fields = [ImportFields.CustomerEmail, ImportFields.CustomerExternalId, ImportFields.EventId, ImportFields.EventType, ImportFields.OccurredAt];

    public string[] ToRow() =>
        [CustomerEmail ?? "", CustomerExternalId ?? "", EventId ?? "", Type, OccurredAt.ToString("O", CultureInfo.InvariantCulture)];
}

public sealed record CustomerResponse(long Id, string? ExternalId, string? Email, string? FirstName, string? LastName, string? Country, string? City,
    int? BirthYear, string? AgeBand, string? Gender, DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyDictionary<string, string> Attributes,
    ConsentStatus EmailConsent, int Purchases, decimal TotalSpent, DateTime? LastPurchaseAt)
{
    public static CustomerResponse From(CustomerDetail d)
    {
        var c = d.Customer;
        return new CustomerResponse(c.Id, c.ExternalId, c.Email, c.FirstName, c.LastName, c.Country, c.City, c.BirthYear, c.AgeBand, c.Gender,
            c.CreatedAt, c.UpdatedAt, c.Attributes, c.EmailConsent, d.PurchaseCount, d.TotalSpent, d.LastPurchaseAt);
    }
}

/// <summary>A customer's consent now and every record of the append-only consent log behind it, newest first.</summary>
public sealed record CustomerConsentResponse(long CustomerId, string? Email, ConsentStatus EmailConsent, IReadOnlyList<ConsentRecordResponse> History)
{
    public static CustomerConsentResponse From(CustomerDetail d) => new(d.Customer.Id, d.Customer.Email, d.Customer.EmailConsent,
        d.ConsentHistory.Select(r => new ConsentRecordResponse(r.Id, r.Status.ToString(), r.Channel.ToString(), r.Purpose, r.Source.ToString(), r.WordingVersion, r.Actor,
            r.IpAddress, r.RecordedAt, r.CampaignId, r.Note)).ToList());
}

/// <summary>One consent record: the status it set, how and by whom (proof of consent).</summary>
public sealed record ConsentRecordResponse(long Id, string Status, string Channel, string Purpose, string Source, string? WordingVersion, string Actor, string? IpAddress,
    DateTime RecordedAt, int? CampaignId, string? Note);
