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

    // Derived on the parsing thread, so the writer only binds them (issue 17: the parser runs beside the writer).
    public string? FirstNameKey;
    public string? LastNameKey;
    public string? AttributesJson;
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

    /// <summary>After writing: true when this row was stored, false when an event with its source key was already there (or it was refused).</summary>
    public bool Stored;
}

/// <summary>A catalogue product row; a mapped column that is empty clears the stored value (the file is the catalogue).</summary>
internal sealed class ProductRow
{
    public string ExternalId = "";
    public string Name = "";
    public string? Url;
    public string? ImageUrl;
    public decimal? Price;
    public decimal? SalePrice;
    public string? Currency;
    public string? Category;
    public string? Brand;

    /// <summary>Null when the cell is empty or not mapped: a new product is in stock, a known one keeps what it had.</summary>
    public bool? InStock;
    public Dictionary<string, string>? Attributes;
    public long Line;
}

/// <summary>A row the import refused: the line number in the file (1 = header) and why.</summary>
public sealed record ImportError(long LineNumber, string Reason, string? RawRow);

/// <summary>Counts after each committed batch.</summary>
public sealed record ImportProgress(long ProcessedRows, long InsertedRows, long UpdatedRows, long ErrorRows, long BytesRead, long TotalBytes)
{
    public long LinesRead { get; init; }
}

/// <summary>
/// What an import did. Every physical line after the header is counted once:
/// <c>LinesRead = InsertedRows + UpdatedRows + ErrorRows + BlankLines + ContinuationLines</c>.
/// </summary>
public sealed record ImportSummary(long ProcessedRows, long InsertedRows, long UpdatedRows, long ErrorRows, IReadOnlyList<ImportError> Errors, TimeSpan Elapsed)
{
    /// <summary>Physical lines after the header row.</summary>
    public long LinesRead { get; init; }

    /// <summary>Empty lines, or lines of only spaces and separators.</summary>
    public long BlankLines { get; init; }

    /// <summary>Lines that continue a row begun on an earlier line (a value in quotes with line breaks).</summary>
    public long ContinuationLines { get; init; }

    /// <summary>Rows that replaced an earlier row of the same file, because the marketer chose "last wins".</summary>
    public long ReplacedRows { get; init; }

    public double RowsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : ProcessedRows / Elapsed.TotalSeconds;
}

/// <summary>Running totals of an import, summed batch by batch as they commit.</summary>
internal sealed class ImportCounts
{
    public long LinesRead;
    public long BlankLines;
    public long ContinuationLines;
    public long Processed;
    public long Inserted;
    public long Updated;
    public long Errors;
    public long Replaced;

    public void Add(CsvImporter.Batch batch, long inserted, long updated)
    {
        LinesRead += batch.LinesRead;
        BlankLines += batch.BlankLines;
        ContinuationLines += batch.ContinuationLines;
        Processed += batch.Processed;
        Inserted += inserted;
        Updated += updated;
        Errors += batch.Errors.Count;
        Replaced += batch.ReplacedRows;
    }

    public ImportSummary Summary(IReadOnlyList<ImportError> errors, TimeSpan elapsed) => new(Processed, Inserted, Updated, Errors, errors, elapsed)
    {
        LinesRead = LinesRead,
        BlankLines = BlankLines,
        ContinuationLines = ContinuationLines,
        ReplacedRows = Replaced,
    };
}
