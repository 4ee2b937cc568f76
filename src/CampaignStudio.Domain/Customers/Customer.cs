namespace CampaignStudio.Domain.Customers;

/// <summary>A person the shop knows: profile, custom attributes and the current e-mail consent (derived from the consent log).</summary>
public class Customer
{
    public long Id { get; set; }

    /// <summary>The shop's own id for this person (CRM or shop system), unique when present.</summary>
    public string? ExternalId { get; set; }

    /// <summary>Lower-cased, trimmed address; unique when present.</summary>
    public string? Email { get; private set; }

    public string? FirstName { get; private set; }
    public string? LastName { get; private set; }

    /// <summary>Lower-cased names kept beside the display names so a prefix search can use an index on every database.</summary>
    public string? FirstNameKey { get; private set; }
    public string? LastNameKey { get; private set; }

    public string? Country { get; set; }

    /// <summary>
    /// lower(Country), computed and stored by the database itself (so every write path, bulk SQL included, keeps it right):
    /// lets a case-insensitive country condition seek an index instead of lower-casing every row.
    /// </summary>
    public string? CountryKey { get; private set; }

    public string? City { get; set; }

    /// <summary>IANA time zone (e.g. "Europe/Berlin") for waits until a local time; null: the studio's default time zone.</summary>
    public string? TimeZone { get; set; }
    public int? BirthYear { get; set; }

    /// <summary>Age band as given by the source (e.g. "25-34") when no birth year is known.</summary>
    public string? AgeBand { get; set; }

    public string? Gender { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Any other columns an import mapped to custom attributes (string values; stored as JSON).</summary>
    public Dictionary<string, string> Attributes
    {
        get;

        // The database stores "no attributes" as NULL and EF skips converters for NULL: never hand out null.
        set => field = value ?? [];
    } = [];

    /// <summary>Current e-mail consent, kept in step with the append-only consent log by the consent ledger.</summary>
    public Consent.ConsentStatus EmailConsent { get; set; } = Consent.ConsentStatus.Unknown;

    public DateTime? EmailConsentAt { get; set; }

    /// <summary>True once a privacy erasure removed the person's data; the row stays so purchases stay anonymous.</summary>
    public bool IsErased { get; set; }

    public List<Purchase> Purchases { get; set; } = [];
    public List<CustomerEvent> Events { get; set; } = [];
    public List<Consent.ConsentRecord> ConsentRecords { get; set; } = [];

    public string DisplayName => string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } n ? n : Email ?? ExternalId ?? $"#{Id}";

    public void SetEmail(string? email) => Email = NormalizeEmail(email);

    public void SetName(string? firstName, string? lastName)
    {
        FirstName = Blank(firstName);
        LastName = Blank(lastName);
        FirstNameKey = SearchKey(FirstName);
        LastNameKey = SearchKey(LastName);
    }

    /// <summary>Age band from the birth year when known, else the band given by the source.</summary>
    public string? AgeBandAt(DateTime today) => BirthYear is { } y ? AgeBands.FromAge(today.Year - y) : AgeBand;

    public static string? NormalizeEmail(string? email) => Blank(email)?.ToLowerInvariant();

    /// <summary>The lower-cased form used for prefix search.</summary>
    public static string? SearchKey(string? text) => Blank(text)?.ToLowerInvariant();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
