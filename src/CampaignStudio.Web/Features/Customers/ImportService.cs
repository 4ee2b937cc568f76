using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Exports;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>
/// The import wizard's logic: keep the upload on disk, preview it, suggest (or remember) a mapping, queue the job,
/// report progress and the refused rows.
/// </summary>
public sealed class ImportService(IDbContextFactory<AppDbContext> dbFactory, DatabaseOptions database, ImportQueue queue, CurrentUser user, TimeProvider clock)
{
    public const long MaxUploadBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>How long an upload that no job uses is kept (see <see cref="UploadSweeper"/>).</summary>
    public static readonly TimeSpan KeepUnusedUploadsFor = TimeSpan.FromDays(1);

    public static string UploadFolderOf(DatabaseOptions database) => Path.Combine(database.DataFolder, "imports");

    private string UploadFolder => UploadFolderOf(database);

    /// <summary>Streams the upload to a file (never into memory) and returns a handle for the next steps.</summary>
    public async Task<UploadedFile> SaveUploadAsync(Stream content, string fileName, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        Directory.CreateDirectory(UploadFolder);
        var id = Guid.NewGuid().ToString("N");
        var path = Path.Combine(UploadFolder, id + ".csv");
        await using (var file = File.Create(path))
        {
            await content.CopyToAsync(file, ct);
        }

        // The sweep ages uploads on the studio's clock, not the file system's.
        File.SetLastWriteTimeUtc(path, clock.GetUtcNow().UtcDateTime);
        return new UploadedFile(id, Path.GetFileName(fileName), new FileInfo(path).Length);
    }

    /// <summary>Removes an upload the marketer gave up on (another file chosen, or a refused API upload).</summary>
    public async Task DiscardAsync(UploadedFile upload)
    {
        await user.RequireAsync(Policies.CanEdit);
        try
        {
            File.Delete(PathOf(upload));
        }
        catch (IOException)
        {
            // The sweep removes it after a day.
        }
    }

    /// <summary>
    /// The header, the first rows and a suggested (or remembered) mapping. A file that cannot be imported throws
    /// <see cref="ImportFileException"/> with the reason; text that is not UTF-8 is decoded with <paramref name="encoding"/>
    /// (or Windows-1252 as a suggestion) and flagged, so the marketer confirms the encoding before the import starts.
    /// </summary>
    public async Task<ImportPreview> PreviewAsync(UploadedFile upload, ImportKind kind, string? encoding = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        CsvPreview preview;
        await using (var stream = OpenUpload(upload))
        {
            preview = CsvImporter.Preview(stream, encoding);
        }

        var signature = Signature(preview.Headers);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var remembered = await db.ImportMappingPresets.AsNoTracking().FirstOrDefaultAsync(p => p.Kind == kind && p.HeaderSignature == signature, ct);
        var mapping = remembered is not null ? ImportMapping.FromJson(remembered.MappingJson) : ImportFields.Suggest(kind, preview.Headers);
        mapping.Delimiter = preview.Delimiter;

        // Chosen for this file, never carried over from the last one: the encoding is confirmed per file, "last wins" knowingly.
        mapping.Encoding = encoding;
        mapping.Duplicates = DuplicateRows.Refuse;
        return new ImportPreview(preview.Headers, preview.Rows, mapping, remembered is not null)
        {
            IsUtf8 = preview.IsUtf8,
            NotUtf8Line = preview.NotUtf8Line,
            Encoding = preview.Encoding,
            RowsWithSpecialCharacters = preview.RowsWithSpecialCharacters,
        };
    }

    /// <summary>Checks the mapping and the file, remembers the mapping for this file layout and queues the import.</summary>
    public async Task<int> StartAsync(UploadedFile upload, ImportKind kind, ImportMapping mapping, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var problems = Validate(kind, mapping);
        if (problems.Count > 0)
        {
            throw new ImportFileException(string.Join(" ", problems));
        }

        // Unknown names throw with the choices; a file that is not UTF-8 is never read as UTF-8 without a word.
        ImportEncodings.Resolve(mapping.Encoding);
        ImportDateFormats.Check(mapping.DateFormat);
        CsvPreview file;
        await using (var stream = OpenUpload(upload))
        {
            file = CsvImporter.Preview(stream, mapping.Encoding);
        }

        if (!file.IsUtf8 && ImportEncodings.IsUtf8(mapping.Encoding))
        {
            throw new ImportFileException($"The file is not UTF-8 text (line {file.NotUtf8Line} has bytes that are not UTF-8). Choose the encoding it was saved in " +
                $"({string.Join(", ", ImportEncodings.Choices.Skip(1).Select(c => c.Name))}) and check the names in the preview, or save the file as UTF-8.");
        }

        if (file.Headers.Count != mapping.Columns.Count)
        {
            throw new ImportFileException($"The file has {file.Headers.Count} columns but the mapping has {mapping.Columns.Count}: choose the mapping again.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var signature = Signature(mapping.Columns.Select(c => c.Header).ToList());
        var preset = await db.ImportMappingPresets.FirstOrDefaultAsync(p => p.Kind == kind && p.HeaderSignature == signature, ct);
        if (preset is null)
        {
            preset = new ImportMappingPreset { Kind = kind, HeaderSignature = signature };
            db.ImportMappingPresets.Add(preset);
        }

        preset.MappingJson = mapping.ToJson();
        preset.UpdatedAt = now;
        var job = new ImportJob
        {
            Kind = kind,
            FileName = upload.FileName,
            StoredPath = PathOf(upload),
            FileSize = upload.Size,
            MappingJson = mapping.ToJson(),
            Status = ImportStatus.Queued,
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
        };
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        await queue.EnqueueAsync(job.Id, ct);
        return job.Id;
    }

    /// <summary>What must be mapped before an import can start, in the marketer's words.</summary>
    public static List<string> Validate(ImportKind kind, ImportMapping mapping)
    {
        var problems = new List<string>();
        var targets = mapping.Columns.Select(c => c.Target).Where(t => !string.IsNullOrEmpty(t)).ToList();
        foreach (var duplicate in targets.GroupBy(t => t).Where(g => g.Count() > 1))
        {
            problems.Add($"'{duplicate.Key}' is mapped to more than one column.");
        }

        bool Has(string field) => targets.Contains(field);
        switch (kind)
        {
            case ImportKind.Customers when mapping.MatchOn == ImportFields.ExternalId && !Has(ImportFields.ExternalId):
                problems.Add("Map a column to External id, or match customers by e-mail.");
                break;
            case ImportKind.Customers when mapping.MatchOn != ImportFields.ExternalId && !Has(ImportFields.Email):
                problems.Add("Map a column to E-mail, or match customers by external id.");
                break;
            case ImportKind.Products:
                if (!Has(ImportFields.ProductId))
                {
                    problems.Add("Map a column to Product id.");
                }

                if (!Has(ImportFields.ProductName))
                {
                    problems.Add("Map a column to Name.");
                }

                break;
            case ImportKind.Purchases or ImportKind.Events when mapping.MatchOn == ImportFields.ExternalId && !Has(ImportFields.CustomerExternalId):
                problems.Add("Map a column to Customer external id.");
                break;
            case ImportKind.Purchases or ImportKind.Events when mapping.MatchOn != ImportFields.ExternalId && !Has(ImportFields.CustomerEmail):
                problems.Add("Map a column to Customer e-mail.");
                break;
        }

        var attributes = targets.Count(t => t.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal));
        if (kind == ImportKind.Customers && attributes > Limits.AttributesPerCustomer)
        {
            problems.Add($"At most {Limits.AttributesPerCustomer} columns can be kept as custom attributes (a customer keeps at most {Limits.AttributesPerCustomer}); this mapping keeps {attributes}. Set the others to “Don't import”.");
        }

        if (kind == ImportKind.Products && attributes > Limits.AttributesPerProduct)
        {
            problems.Add($"At most {Limits.AttributesPerProduct} columns can be kept as custom attributes (a product keeps at most {Limits.AttributesPerProduct}); this mapping keeps {attributes}. Set the others to “Don't import”.");
        }

        if (kind == ImportKind.Purchases)
        {
            if (!Has(ImportFields.Amount))
            {
                problems.Add("Map a column to Amount.");
            }

            if (!Has(ImportFields.PurchasedAt))
            {
                problems.Add("Map a column to Purchased at.");
            }
        }

        if (kind == ImportKind.Events)
        {
            if (!Has(ImportFields.EventType))
            {
                problems.Add("Map a column to Event type.");
            }

            if (!Has(ImportFields.OccurredAt))
            {
                problems.Add("Map a column to Occurred at.");
            }
        }

        return problems;
    }

    public async Task<ImportJob?> GetJobAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
    }

    public async Task<IReadOnlyList<ImportJob>> RecentJobsAsync(int count = 50, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ImportJobs.AsNoTracking().OrderByDescending(j => j.Id).Take(count).ToListAsync(ct);
    }

    /// <summary>Refused rows hold customer data (the raw row, values in the reason): only the roles that import may see them.</summary>
    public Task<bool> MaySeeRefusedRowsAsync() => user.IsAllowedAsync(Policies.CanEdit);

    public async Task<IReadOnlyList<ImportRowError>> ErrorsAsync(int jobId, int take = 100, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ImportRowErrors.AsNoTracking().Where(e => e.ImportJobId == jobId).OrderBy(e => e.LineNumber).Take(take).ToListAsync(ct);
    }

    public const string RefusedRowsDownloadedAction = "import.refused-rows.downloaded";

    /// <summary>
    /// All refused rows as CSV (line, reason, row), for fixing the file and importing again; written to the audit log like
    /// every bulk export of personal data. False (and nothing written) when there is no such job.
    /// </summary>
    public async Task<bool> WriteErrorsCsvAsync(int jobId, Func<Stream> output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.ImportJobs.AnyAsync(j => j.Id == jobId, ct))
        {
            return false;
        }

        db.AuditEntries.Add(new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Actor = await user.NameAsync(),
            Action = RefusedRowsDownloadedAction,
            EntityType = nameof(ImportJob),
            EntityId = jobId.ToString(CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(ct);
        var rows = db.ImportRowErrors.AsNoTracking().Where(e => e.ImportJobId == jobId).OrderBy(e => e.LineNumber)
            .Select(e => new object?[] { e.LineNumber, e.Reason, e.RawRow ?? "" }).AsAsyncEnumerable();
        await SpreadsheetCsv.WriteAsync(output(), ["line", "reason", "row"], rows, ct);
        return true;
    }

    public async Task CancelAsync(int jobId)
    {
        await user.RequireAsync(Policies.CanEdit);
        queue.Cancel(jobId);
    }

    /// <summary>Where an upload is kept; the id is checked, so it cannot name a file elsewhere.</summary>
    public string PathOf(UploadedFile upload)
    {
        if (upload.Id.Length != 32 || !upload.Id.All(char.IsAsciiHexDigit))
        {
            throw new ImportFileException("Unknown upload.");
        }

        return Path.Combine(UploadFolder, upload.Id + ".csv");
    }

    private FileStream OpenUpload(UploadedFile upload)
    {
        var path = PathOf(upload);
        return File.Exists(path) ? File.OpenRead(path) : throw new ImportFileException("The upload is gone (uploads nobody imports are removed after a day): upload the file again.");
    }

    private static string Signature(IReadOnlyList<string> headers) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', headers.Select(h => h.Trim().ToLowerInvariant())))))[..32];
}

public sealed record UploadedFile(string Id, string FileName, long Size);

public sealed record ImportPreview(IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, ImportMapping Mapping, bool MappingRemembered)
{
    /// <summary>False when the file is not UTF-8: the marketer confirms the encoding the preview was decoded with.</summary>
    public bool IsUtf8 { get; init; } = true;

    public long? NotUtf8Line { get; init; }

    /// <summary>The encoding the preview was decoded with.</summary>
    public string Encoding { get; init; } = ImportEncodings.Utf8;

    public IReadOnlyList<string[]> RowsWithSpecialCharacters { get; init; } = [];
}
