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

    /// <summary>What a later row with the same key as an earlier row of the same file does; never silent (issue 11).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<DuplicateRows>))]
    public DuplicateRows Duplicates { get; set; }

    /// <summary>
    /// A day-first or month-first date form the marketer chose (<see cref="ImportDateFormats"/>); null reads ISO dates only.
    /// ISO dates are read in either case: they are unambiguous.
    /// </summary>
    public string? DateFormat { get; set; }

    /// <summary>The file's text encoding (<see cref="ImportEncodings"/>); null is UTF-8. A byte order mark wins over it.</summary>
    public string? Encoding { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ImportMapping FromJson(string json) => JsonSerializer.Deserialize<ImportMapping>(json, JsonOptions) ?? new ImportMapping();

    public string? TargetOf(int index) => index < Columns.Count ? Columns[index].Target : null;

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}

public enum DuplicateRows
{
    /// <summary>A later row with the key of an earlier row is refused as a duplicate of that line.</summary>
    Refuse,

    /// <summary>The later row updates what the earlier one wrote (the marketer chose it); the summary counts such rows.</summary>
    LastWins,
}

/// <summary>
/// The date forms an import reads. ISO 8601 dates and date-times are always read; a day-first or month-first form only when
/// the marketer chose it, so 01.02.2021 is never guessed to be the 1st of February or the 2nd of January.
/// </summary>
public static class ImportDateFormats
{
    public const string DayMonthYearDots = "dd.mm.yyyy";
    public const string DayMonthYearSlashes = "dd/mm/yyyy";
    public const string MonthDayYearSlashes = "mm/dd/yyyy";
    public const string Compact = "yyyymmdd";

    /// <summary>The choices, with the words the mapping step shows.</summary>
    public static readonly IReadOnlyList<(string Format, string Label)> Choices =
    [
        (DayMonthYearDots, "dd.mm.yyyy (31.12.2025)"),
        (DayMonthYearSlashes, "dd/mm/yyyy (31/12/2025)"),
        (MonthDayYearSlashes, "mm/dd/yyyy (12/31/2025)"),
        (Compact, "yyyymmdd (20251231)"),
    ];

    /// <summary>What is always read, in the words of an error message.</summary>
    public const string IsoDescription = "yyyy-mm-dd or yyyy-mm-ddThh:mm:ss";

    internal static readonly string[] Iso =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Throws <see cref="ImportFileException"/> (with the choices) for an unknown form.</summary>
    public static void Check(string? format) => Patterns(format);

    /// <summary>The .NET patterns of a chosen form (with an optional time), plus ISO; an unknown form is an error in the words of the API.</summary>
    internal static string[] Patterns(string? format)
    {
        string[] dates = format switch
        {
            null or "" => [],
            DayMonthYearDots => ["dd.MM.yyyy", "d.M.yyyy"],
            DayMonthYearSlashes => ["dd/MM/yyyy", "d/M/yyyy"],
            MonthDayYearSlashes => ["MM/dd/yyyy", "M/d/yyyy"],
            Compact => ["yyyyMMdd"],
            _ => throw new ImportFileException($"Unknown date format '{format}': choose {string.Join(", ", Choices.Select(c => c.Format))}, or none for ISO dates ({IsoDescription})."),
        };
        return [.. Iso, .. dates, .. dates.SelectMany(d => new[] { d + " HH:mm", d + " HH:mm:ss" })];
    }
}

/// <summary>The text encodings an import reads. A file that is not UTF-8 is never read as UTF-8 silently (issue 11).</summary>
public static class ImportEncodings
{
    public const string Utf8 = "utf-8";
    public const string Windows1252 = "windows-1252";
    public const string Latin1 = "iso-8859-1";
    public const string Latin9 = "iso-8859-15";

    public static readonly IReadOnlyList<(string Name, string Label)> Choices =
    [
        (Utf8, "UTF-8"),
        (Windows1252, "Windows-1252 (Western European, Excel on Windows)"),
        (Latin1, "ISO-8859-1 (Latin-1)"),
        (Latin9, "ISO-8859-15 (Latin-9, with €)"),
    ];

    /// <summary>The encoding for a name from <see cref="Choices"/>; null is UTF-8.</summary>
    public static System.Text.Encoding Resolve(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or Utf8 or "utf8" => System.Text.Encoding.UTF8,
        Windows1252 or "cp1252" => System.Text.CodePagesEncodingProvider.Instance.GetEncoding(1252)!,
        Latin1 or "latin1" or "latin-1" => System.Text.Encoding.Latin1,
        Latin9 or "latin9" or "latin-9" => System.Text.CodePagesEncodingProvider.Instance.GetEncoding(28605)!,
        _ => throw new ImportFileException($"Unknown encoding '{name}': use {string.Join(", ", Choices.Select(c => c.Name))}."),
    };

    public static bool IsUtf8(string? name) => Resolve(name).CodePage == System.Text.Encoding.UTF8.CodePage;
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

    public const string ProductId = "product_id";
    public const string ProductName = "name";
    public const string ProductUrl = "url";
    public const string ImageUrl = "image_url";
    public const string Price = "price";
    public const string SalePrice = "sale_price";
    public const string Brand = "brand";
    public const string InStock = "in_stock";

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
        ImportKind.Products =>
        [
            new(ProductId, "Product id", "product_id", "id", "sku", "item_id", "product_number", "article_number"),
            new(ProductName, "Name", "name", "product_name", "title"),
            new(ProductUrl, "Product page (URL)", "url", "link", "product_url", "page_url"),
            new(ImageUrl, "Image (URL)", "image_url", "image", "image_link", "picture", "thumbnail"),
            new(Price, "Price", "price", "regular_price", "list_price"),
            new(SalePrice, "Sale price", "sale_price", "special_price", "offer_price", "discounted_price"),
            new(Currency, "Currency", "currency"),
            new(Category, "Category", "category", "product_category", "product_type"),
            new(Brand, "Brand", "brand", "manufacturer", "vendor"),
            new(InStock, "In stock", "in_stock", "instock", "availability", "stock_status", "available"),
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

        // Products are always matched on the shop's product id; MatchOn stays at its default and is not read.
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
