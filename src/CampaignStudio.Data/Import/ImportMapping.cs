using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Domain.Imports;

namespace CampaignStudio.Data.Import;

/// <summary>How the columns of a CSV file map to studio fields. Stored with the job and remembered per file layout.</summary>
public sealed class ImportMapping
{
    /// <summary>Target per column, in file order: a field name from <see cref="ImportFields"/>, <c>attribute:name</c>, or empty to ignore.</summary>
    public List<ColumnMapping> Columns { get; set; } = [];

    /// <summary>Which key identifies a customer: <c>email</c> or <c>external_id</c>.</summary>
    public string MatchOn { get; set; } = ImportFields.Email;

    /// <summary>Field delimiter; null means detect from the header line.</summary>
    public string? Delimiter { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ImportMapping FromJson(string json) => JsonSerializer.Deserialize<ImportMapping>(json, JsonOptions) ?? new ImportMapping();

    public string? TargetOf(int index) => index < Columns.Count ? Columns[index].Target : null;

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}

public sealed record ColumnMapping(string Header, string Target);

/// <summary>The fields an import can fill, per kind of file.</summary>
public static class ImportFields
{
    public const string Ignore = "";
    public const string AttributePrefix = "attribute:";

    public const string ExternalId = "external_id";
    public const string Email = "email";
    public const string FirstName = "first_name";
    public const string LastName = "last_name";
    public const string FullName = "full_name";
    public const string Country = "country";
    public const string City = "city";
    public const string BirthYear = "birth_year";
    public const string AgeBand = "age_band";
    public const string Gender = "gender";
    public const string CreatedAt = "created_at";

    public const string CustomerEmail = "customer_email";
    public const string CustomerExternalId = "customer_external_id";
    public const string OrderId = "order_id";
    public const string Amount = "amount";
    public const string Currency = "currency";
    public const string Category = "category";
    public const string Product = "product";
    public const string PurchasedAt = "purchased_at";

    public const string EventType = "type";
    public const string OccurredAt = "occurred_at";
    public const string EventId = "event_id";

    public static IReadOnlyList<FieldInfo> For(ImportKind kind) => kind switch
    {
        ImportKind.Customers =>
        [
            new(Email, "E-mail", "email", "e-mail", "email_address", "mail"),
            new(ExternalId, "External id", "external_id", "customer_id", "id", "customer_number"),
            new(FirstName, "First name", "first_name", "firstname", "given_name", "forename"),
            new(LastName, "Last name", "last_name", "lastname", "surname", "family_name"),
            new(FullName, "Full name (split)", "name", "full_name", "fullname"),
            new(Country, "Country", "country", "country_code"),
            new(City, "City", "city", "town"),
            new(BirthYear, "Birth year", "birth_year", "year_of_birth", "birthyear"),
            new(AgeBand, "Age band", "age_band", "age_group", "age"),
            new(Gender, "Gender", "gender", "sex"),
            new(CreatedAt, "Customer since", "created_at", "signup_date", "customer_since", "created"),
        ],
        ImportKind.Purchases =>
        [
            new(CustomerEmail, "Customer e-mail", "email", "customer_email", "e-mail"),
            new(CustomerExternalId, "Customer external id", "customer_id", "customer_external_id", "external_id"),
            new(OrderId, "Order id", "order_id", "order", "order_number", "transaction_id"),
            new(Amount, "Amount", "amount", "total", "value", "revenue", "price"),
            new(Currency, "Currency", "currency"),
            new(Category, "Category", "category", "product_category"),
            new(Product, "Product", "product", "product_name", "item", "sku"),
            new(PurchasedAt, "Purchased at", "purchased_at", "date", "order_date", "timestamp", "created_at"),
        ],
        _ =>
        [
            new(CustomerEmail, "Customer e-mail", "email", "customer_email", "e-mail"),
            new(CustomerExternalId, "Customer external id", "customer_id", "customer_external_id", "external_id"),
            new(EventId, "Event id", "event_id", "id"),
            new(EventType, "Event type", "type", "event", "event_type", "name"),
            new(OccurredAt, "Occurred at", "occurred_at", "timestamp", "date", "time"),
        ],
    };

    /// <summary>Guess a mapping from the header names, so the common case needs no clicks.</summary>
    public static ImportMapping Suggest(ImportKind kind, IReadOnlyList<string> headers)
    {
        var fields = For(kind);
        var used = new HashSet<string>();
        var columns = new List<ColumnMapping>();
        foreach (var header in headers)
        {
            var normalized = Normalize(header);
            var match = fields.FirstOrDefault(f => !used.Contains(f.Name) && f.Aliases.Contains(normalized));
            if (match is not null)
            {
                used.Add(match.Name);
                columns.Add(new ColumnMapping(header, match.Name));
            }
            else
            {
                columns.Add(new ColumnMapping(header, string.IsNullOrWhiteSpace(normalized) ? Ignore : AttributePrefix + normalized));
            }
        }

        var matchOn = kind == ImportKind.Customers
            ? (used.Contains(Email) ? Email : ExternalId)
            : (used.Contains(CustomerEmail) ? Email : ExternalId);
        return new ImportMapping { Columns = columns, MatchOn = matchOn };
    }

    /// <summary>"E-Mail Address" → "e_mail_address"; used for alias matching and attribute names.</summary>
    public static string Normalize(string header)
    {
        var chars = header.Trim().ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray();
        var s = new string(chars);
        while (s.Contains("__", StringComparison.Ordinal))
        {
            s = s.Replace("__", "_", StringComparison.Ordinal);
        }

        s = s.Trim('_');
        return s switch { "e_mail" => "e-mail", _ => s };
    }
}

public sealed record FieldInfo(string Name, string Label, params string[] Aliases);
