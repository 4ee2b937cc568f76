namespace CampaignStudio.Domain.Imports;

/// <summary>One CSV import run in the background, with its progress, outcome and the rows it could not take.</summary>
public class ImportJob
{
    public int Id { get; set; }
    public ImportKind Kind { get; set; }
    public string FileName { get; set; } = "";

    /// <summary>Where the uploaded file is kept while the job runs.</summary>
    public string StoredPath { get; set; } = "";

    public long FileSize { get; set; }
    public string MappingJson { get; set; } = "{}";
    public ImportStatus Status { get; set; }

    /// <summary>Rows read so far (data rows, not the header, not blank lines).</summary>
    public long ProcessedRows { get; set; }

    /// <summary>
    /// Physical lines after the header read so far. Every one is accounted for:
    /// <c>LinesRead = InsertedRows + UpdatedRows + ErrorRows + BlankLines + ContinuationLines</c>.
    /// </summary>
    public long LinesRead { get; set; }

    /// <summary>Empty lines, or lines of only spaces and separators.</summary>
    public long BlankLines { get; set; }

    /// <summary>Lines that continue a row begun on an earlier line (a value in quotes with line breaks).</summary>
    public long ContinuationLines { get; set; }

    /// <summary>Rows that replaced an earlier row of the same file ("last wins" was chosen); they are counted as updated too.</summary>
    public long ReplacedRows { get; set; }

    public long InsertedRows { get; set; }
    public long UpdatedRows { get; set; }
    public long SkippedRows { get; set; }
    public long ErrorRows { get; set; }

    /// <summary>Bytes of the file read, for the progress bar.</summary>
    public long BytesRead { get; set; }

    public string? Message { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    public double ProgressFraction => FileSize <= 0 ? 0 : Math.Clamp((double)BytesRead / FileSize, 0, 1);

    /// <summary>True when the counts add up to the lines read (always, unless the job row was changed by hand).</summary>
    public bool EveryLineAccountedFor => LinesRead == InsertedRows + UpdatedRows + ErrorRows + BlankLines + ContinuationLines;

    public bool IsFinished => Status is ImportStatus.Completed or ImportStatus.Failed or ImportStatus.Cancelled or ImportStatus.Interrupted;
}

public enum ImportKind
{
    Customers,
    Purchases,
    Events,

    /// <summary>The shop's product catalogue, upserted by the shop's product id.</summary>
    Products,
}

public enum ImportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>The studio stopped while the job ran; committed batches stay, the rest can be re-imported safely.</summary>
    Interrupted,
}

/// <summary>A row the import could not take, with its line number in the file and why.</summary>
public class ImportRowError
{
    public long Id { get; set; }
    public int ImportJobId { get; set; }
    public long LineNumber { get; set; }
    public string Reason { get; set; } = "";
    public string? RawRow { get; set; }
}

/// <summary>A column mapping remembered for a file layout (same kind, same headers).</summary>
public class ImportMappingPreset
{
    public int Id { get; set; }
    public ImportKind Kind { get; set; }

    /// <summary>Hash of the header row, so the same file layout finds its mapping again.</summary>
    public string HeaderSignature { get; set; } = "";

    public string MappingJson { get; set; } = "{}";
    public DateTime UpdatedAt { get; set; }
}
