namespace CampaignStudio.Data.Import;

/// <summary>A customer row after parsing and validation; null fields were empty or not mapped.</summary>
internal sealed class CustomerRow
{
    public string? ExternalId;
    public string? Email;
    public string? FirstName;
    public string? LastName;
    public string? Country;
    public string? City;
    public int? BirthYear;
    public string? AgeBand;
    public string? Gender;
    public DateTime? CreatedAt;
    public Dictionary<string, string>? Attributes;
    public long Line;
}

internal sealed class PurchaseRow
{
    public string CustomerKey = "";
    public string? OrderId;
    public decimal Amount;
    public string? Currency;
    public string? Category;
    public string? Product;
    public DateTime PurchasedAt;
    public string SourceKey = "";
    public long Line;
}

internal sealed class EventRow
{
    public string CustomerKey = "";
    public string Type = "";
    public DateTime OccurredAt;
    public string? PropertiesJson;
    public string SourceKey = "";
    public long Line;
}

/// <summary>A row the import refused: the line number in the file (1 = header) and why.</summary>
public sealed record ImportError(long LineNumber, string Reason, string? RawRow);

/// <summary>Counts after each committed batch.</summary>
public sealed record ImportProgress(long ProcessedRows, long InsertedRows, long UpdatedRows, long ErrorRows, long BytesRead, long TotalBytes);

public sealed record ImportSummary(long ProcessedRows, long InsertedRows, long UpdatedRows, long ErrorRows, IReadOnlyList<ImportError> Errors, TimeSpan Elapsed)
{
    public double RowsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : ProcessedRows / Elapsed.TotalSeconds;
}
