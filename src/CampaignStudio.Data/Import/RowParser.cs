using System.Globalization;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CampaignStudio.Domain;

namespace CampaignStudio.Data.Import;

/// <summary>Turns CSV fields into typed rows; every refusal says which column and why.</summary>
internal sealed class RowParser
{
    private readonly (int Index, string Target)[] _targets;
    private readonly string _matchOn;
    private readonly string[] _datePatterns;
    private readonly string? _dateFormat;
    private readonly int _thisYear;

    /// <param name="mapping">The file's columns and formats.</param>
    /// <param name="today">The import's "now", from the studio's clock: a birth year after it is refused.</param>
    public RowParser(ImportMapping mapping, DateTime today)
    {
        _thisYear = today.Year;
        _targets = mapping.Columns.Select((c, i) => (i, c.Target)).Where(t => !string.IsNullOrEmpty(t.Target)).ToArray();
        _matchOn = mapping.MatchOn;
        _dateFormat = string.IsNullOrEmpty(mapping.DateFormat) ? null : mapping.DateFormat;
        _datePatterns = ImportDateFormats.Patterns(_dateFormat);
    }

    public bool Maps(string field) => _targets.Any(t => t.Target == field);

    public CustomerRow ParseCustomer(string[] fields, long line)
    {
        var row = new CustomerRow { Line = line };
        foreach (var (index, target) in _targets)
        {
            var value = Clean(fields[index]);
            if (value is null)
            {
                continue;
            }

            switch (target)
            {
                case ImportFields.Email: row.Email = ParseEmail(value); break;
                case ImportFields.ExternalId: row.ExternalId = Max(value, Limits.ExternalId, "external id"); break;
                case ImportFields.FirstName: row.FirstName = Max(value, Limits.Name, "first name"); break;
                case ImportFields.LastName: row.LastName = Max(value, Limits.Name, "last name"); break;
                case ImportFields.FullName:
                    var space = value.LastIndexOf(' ');
                    row.FirstName ??= Max(space < 0 ? value : value[..space], Limits.Name, "name");
                    row.LastName ??= space < 0 ? null : Max(value[(space + 1)..], Limits.Name, "name");
                    break;
                case ImportFields.Country: row.Country = Max(value, Limits.Country, "country"); break;
                case ImportFields.City: row.City = Max(value, Limits.City, "city"); break;
                case ImportFields.BirthYear: row.BirthYear = ParseBirthYear(value, _thisYear); break;
                case ImportFields.AgeBand: row.AgeBand = Max(value, Limits.AgeBand, "age band"); break;
                case ImportFields.Gender: row.Gender = Max(value, Limits.Gender, "gender"); break;
                case ImportFields.CreatedAt: row.CreatedAt = ParseDate(value, "customer since"); break;
                default:
                    if (target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal))
                    {
                        row.Attributes ??= [];
                        row.Attributes[Max(target[ImportFields.AttributePrefix.Length..], Limits.AttributeKey, "attribute name")] = Max(value, Limits.AttributeValue, target);
                    }

                    break;
            }
        }

        if (row.Attributes is { Count: > Limits.AttributesPerCustomer } attributes)
        {
            throw new RowException($"the row has {attributes.Count} custom attributes; a customer keeps at most {Limits.AttributesPerCustomer} custom attributes");
        }

        var key = _matchOn == ImportFields.ExternalId ? row.ExternalId : row.Email;
        if (key is null)
        {
            throw new RowException(_matchOn == ImportFields.ExternalId ? "external id is empty" : "e-mail is empty");
        }

        row.FirstNameKey = Domain.Customers.Customer.SearchKey(row.FirstName);
        row.LastNameKey = Domain.Customers.Customer.SearchKey(row.LastName);
        row.AttributesJson = row.Attributes is null ? null : JsonSerializer.Serialize(row.Attributes);
        return row;
    }

    public PurchaseRow ParsePurchase(string[] fields, long line)
    {
        var row = new PurchaseRow { Line = line };
        string? amount = null, date = null;
        foreach (var (index, target) in _targets)
        {
            var value = Clean(fields[index]);
            if (value is null)
            {
                continue;
            }

            if (CustomerKeyOf(target, value) is { } key)
            {
                row.CustomerKey = key;
                continue;
            }

            switch (target)
            {
                case ImportFields.OrderId: row.OrderId = Max(value, Limits.ExternalId, "order id"); break;
                case ImportFields.Amount: amount = value; row.Amount = ParseAmount(value); break;
                case ImportFields.Currency: row.Currency = ParseCurrency(value); break;
                case ImportFields.Category: row.Category = Max(value, Limits.Category, "category"); break;
                case ImportFields.Product: row.Product = Max(value, Limits.Product, "product"); break;
                case ImportFields.PurchasedAt: date = value; row.PurchasedAt = ParseDate(value, "purchase date"); break;
            }
        }

        RequireCustomerKey(row.CustomerKey);

        if (amount is null)
        {
            throw new RowException("amount is empty");
        }

        if (date is null)
        {
            throw new RowException("purchase date is empty");
        }

        row.SourceKey = row.OrderId is { } order
            ? Hash(order, row.Product ?? row.Category ?? "")
            : Hash(row.PurchasedAt.ToString("O", CultureInfo.InvariantCulture), row.Amount.ToString(CultureInfo.InvariantCulture), row.Category ?? "", row.Product ?? "");
        return row;
    }

    /// <summary>
    /// A catalogue row: the product id and name are required; prices are numbers of at least zero (a sale price above the
    /// price is refused: it is a mistake in the feed, not a sale); links must be absolute http(s) URLs.
    /// </summary>
    public ProductRow ParseProduct(string[] fields, long line)
    {
        var row = new ProductRow { Line = line };
        foreach (var (index, target) in _targets)
        {
            var value = Clean(fields[index]);
            if (value is null)
            {
                continue;
            }

            switch (target)
            {
                case ImportFields.ProductId: row.ExternalId = Max(value, Limits.Product, "product id"); break;
                case ImportFields.ProductName: row.Name = Max(value, Limits.Title, "name"); break;
                case ImportFields.ProductUrl: row.Url = ParseUrl(value, "product page"); break;
                case ImportFields.ImageUrl: row.ImageUrl = ParseUrl(value, "image"); break;
                case ImportFields.Price: row.Price = ParsePrice(value, "price"); break;
                case ImportFields.SalePrice: row.SalePrice = ParsePrice(value, "sale price"); break;
                case ImportFields.Currency: row.Currency = ParseCurrency(value); break;
                case ImportFields.Category: row.Category = Max(value, Limits.Category, "category"); break;
                case ImportFields.Brand: row.Brand = Max(value, Limits.Brand, "brand"); break;
                case ImportFields.InStock: row.InStock = ParseInStock(value); break;
                default:
                    if (target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal))
                    {
                        row.Attributes ??= [];
                        row.Attributes[Max(target[ImportFields.AttributePrefix.Length..], Limits.AttributeKey, "attribute name")] = Max(value, Limits.AttributeValue, target);
                    }

                    break;
            }
        }

        if (row.Attributes is { Count: > Limits.AttributesPerProduct } attributes)
        {
            throw new RowException($"the row has {attributes.Count} custom attributes; a product keeps at most {Limits.AttributesPerProduct} custom attributes");
        }

        if (row.ExternalId.Length == 0)
        {
            throw new RowException("product id is empty");
        }

        if (row.Name.Length == 0)
        {
            throw new RowException("name is empty");
        }

        if (row.SalePrice is { } sale && row.Price is { } price && sale > price)
        {
            throw new RowException($"sale price {sale.ToString(CultureInfo.InvariantCulture)} is above the price {price.ToString(CultureInfo.InvariantCulture)}");
        }

        return row;
    }

    public EventRow ParseEvent(string[] fields, long line)
    {
        var row = new EventRow { Line = line };
        string? eventId = null;
        Dictionary<string, string>? properties = null;
        var hasDate = false;
        foreach (var (index, target) in _targets)
        {
            var value = Clean(fields[index]);
            if (value is null)
            {
                continue;
            }

            if (CustomerKeyOf(target, value) is { } key)
            {
                row.CustomerKey = key;
                continue;
            }

            switch (target)
            {
                case ImportFields.EventId: eventId = value; break;
                case ImportFields.EventType: row.Type = Max(value.ToLowerInvariant(), Limits.EventType, "event type"); break;
                case ImportFields.OccurredAt: row.OccurredAt = ParseDate(value, "event time"); hasDate = true; break;
                default:
                    if (target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal))
                    {
                        properties ??= [];
                        properties[target[ImportFields.AttributePrefix.Length..]] = Max(value, Limits.AttributeValue, target);
                    }

                    break;
            }
        }

        RequireCustomerKey(row.CustomerKey);

        if (row.Type.Length == 0)
        {
            throw new RowException("event type is empty");
        }

        if (!hasDate)
        {
            throw new RowException("event time is empty");
        }

        row.PropertiesJson = properties is null ? null : JsonSerializer.Serialize(properties);
        row.SourceKey = eventId is not null
            ? Hash("id", eventId)
            : Hash(row.Type, row.OccurredAt.ToString("O", CultureInfo.InvariantCulture), row.PropertiesJson ?? "");
        return row;
    }

    /// <summary>The customer key of a purchase or event row, when this column is the one customers are matched on.</summary>
    private string? CustomerKeyOf(string target, string value) => target switch
    {
        ImportFields.CustomerEmail when _matchOn == ImportFields.Email => ParseEmail(value),
        ImportFields.CustomerExternalId when _matchOn == ImportFields.ExternalId => Max(value, Limits.ExternalId, "customer external id"),
        _ => null,
    };

    private void RequireCustomerKey(string key)
    {
        if (key.Length == 0)
        {
            throw new RowException(_matchOn == ImportFields.ExternalId ? "customer external id is empty" : "customer e-mail is empty");
        }
    }

    private static string? Clean(string raw)
    {
        var s = raw.Trim();
        return s.Length == 0 ? null : s;
    }

    private static string Max(string value, int max, string what) =>
        value.Length <= max ? value : throw new RowException($"{what} is longer than {max} characters");

    internal static string ParseEmail(string value)
    {
        var email = value.Trim().ToLowerInvariant();
        if (email.Length > Limits.Email || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Contains('.', StringComparison.Ordinal))
        {
            throw new RowException($"'{Truncate(value)}' is not a valid e-mail address");
        }

        return email;
    }

    private static int ParseBirthYear(string value, int thisYear)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var year) || year < 1900 || year > thisYear)
        {
            throw new RowException($"birth year '{Truncate(value)}' is not a year between 1900 and now");
        }

        return year;
    }

    /// <summary>
    /// ISO dates always; a day-first or month-first form only when the marketer chose it. Never a guess between them:
    /// before issue 11 a fallback to the invariant culture read 01.02.2021 and 01/02/2021 as whatever it liked.
    /// </summary>
    internal DateTime ParseDate(string value, string what)
    {
        if (DateTime.TryParseExact(value, _datePatterns, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            if (date.Year is < 1970 or > 2200)
            {
                throw new RowException($"{what} '{Truncate(value)}' is out of range");
            }

            return DateTime.SpecifyKind(date, DateTimeKind.Utc);
        }

        throw new RowException(_dateFormat is null
            ? $"{what} '{Truncate(value)}' is not a date in the form {ImportDateFormats.IsoDescription} (for another form, choose the date format in the mapping step)"
            : $"{what} '{Truncate(value)}' is not a date in the form you chose ({_dateFormat}) or {ImportDateFormats.IsoDescription}");
    }

    internal static decimal ParseAmount(string value)
    {
        var s = value.Trim().TrimStart('€', '$', '£').Trim();
        if (s.Contains(',', StringComparison.Ordinal) && !s.Contains('.', StringComparison.Ordinal))
        {
            s = s.Replace(',', '.');
        }

        if (!decimal.TryParse(s, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var amount))
        {
            throw new RowException($"amount '{Truncate(value)}' is not a number");
        }

        if (amount is < -1_000_000_000m or > 1_000_000_000m)
        {
            throw new RowException($"amount '{Truncate(value)}' is out of range");
        }

        return Math.Round(amount, 2);
    }

    private static decimal ParsePrice(string value, string what)
    {
        decimal price;
        try
        {
            price = ParseAmount(value);
        }
        catch (RowException)
        {
            throw new RowException($"{what} '{Truncate(value)}' is not a number");
        }

        return price >= 0 ? price : throw new RowException($"{what} '{Truncate(value)}' is below zero");
    }

    /// <summary>An absolute http(s) link: e-mails link to it, so a relative path or another scheme would be a dead or unsafe link.</summary>
    private static string ParseUrl(string value, string what)
    {
        if (value.Length > Limits.Url)
        {
            throw new RowException($"{what} link is longer than {Limits.Url} characters");
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0
            ? value
            : throw new RowException($"{what} link '{Truncate(value)}' is not an absolute http(s) URL");
    }

    /// <summary>Yes/no in the words shop exports use (Google's feed: in_stock, out_of_stock, preorder, backorder).</summary>
    internal static bool ParseInStock(string value) => value.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_') switch
    {
        "1" or "true" or "yes" or "y" or "in_stock" or "instock" or "available" or "preorder" or "backorder" => true,
        "0" or "false" or "no" or "n" or "out_of_stock" or "outofstock" or "sold_out" or "unavailable" or "discontinued" => false,
        _ => throw new RowException($"in stock '{Truncate(value)}' is not yes/no (use yes, no, true, false, 1, 0, in stock or out of stock)"),
    };

    private static string ParseCurrency(string value)
    {
        var c = value.Trim().ToUpperInvariant();
        return c.Length == 3 && c.All(char.IsAsciiLetterUpper) ? c : throw new RowException($"currency '{Truncate(value)}' is not a 3-letter code");
    }

    internal static string Hash(params string[] parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)));
        return Convert.ToHexString(bytes, 0, 16);
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..57] + "...";
}

/// <summary>A row-level refusal; the message is shown to the marketer with the line number.</summary>
internal sealed class RowException(string message) : Exception(message);
