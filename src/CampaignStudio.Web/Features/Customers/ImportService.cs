using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Exports;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Infrastructure;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>
/// The import wizard's logic: keep the upload on disk, preview it, suggest (or remember) a mapping, queue the job,
/// report progress and the refused rows.
/// </summary>
public sealed class ImportService(IDbContextFactory<AppDbContext> dbFactory, DatabaseOptions database, ImportQueue queue, CurrentUser user, TimeProvider clock)
{
    public const long MaxUploadBytes = 2L * 1024 * 1024 * 1024;

    private string UploadFolder => Path.Combine(database.DataFolder, "imports");

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

        return new UploadedFile(id, Path.GetFileName(fileName), new FileInfo(path).Length);
    }

    public async Task<ImportPreview> PreviewAsync(UploadedFile upload, ImportKind kind, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        CsvPreview preview;
        await using (var stream = File.OpenRead(PathOf(upload.Id)))
        {
            try
            {
                preview = CsvImporter.Preview(stream);
            }
            catch (CsvHelperException ex)
            {
                throw new ImportFileException($"The file could not be read as CSV: {ex.Message.Split('\n')[0]}");
            }
        }

        if (preview.Headers.Count == 0)
        {
            throw new ImportFileException("The file is empty: it needs a header row and at least one data row.");
        }

        var signature = Signature(preview.Headers);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var remembered = await db.ImportMappingPresets.AsNoTracking().FirstOrDefaultAsync(p => p.Kind == kind && p.HeaderSignature == signature, ct);
        var mapping = remembered is not null ? ImportMapping.FromJson(remembered.MappingJson) : ImportFields.Suggest(kind, preview.Headers);
        mapping.Delimiter = preview.Delimiter;
        return new ImportPreview(preview.Headers, preview.Rows, mapping, remembered is not null);
    }

    /// <summary>Checks the mapping, remembers it for this file layout and queues the import.</summary>
    public async Task<int> StartAsync(UploadedFile upload, ImportKind kind, ImportMapping mapping, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var problems = Validate(kind, mapping);
        if (problems.Count > 0)
        {
            throw new ImportFileException(string.Join(" ", problems));
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
            StoredPath = PathOf(upload.Id),
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
            case ImportKind.Purchases or ImportKind.Events when mapping.MatchOn == ImportFields.ExternalId && !Has(ImportFields.CustomerExternalId):
                problems.Add("Map a column to Customer external id.");
                break;
            case ImportKind.Purchases or ImportKind.Events when mapping.MatchOn != ImportFields.ExternalId && !Has(ImportFields.CustomerEmail):
                problems.Add("Map a column to Customer e-mail.");
                break;
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

    public async Task<IReadOnlyList<ImportRowError>> ErrorsAsync(int jobId, int take = 100, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ImportRowErrors.AsNoTracking().Where(e => e.ImportJobId == jobId).OrderBy(e => e.LineNumber).Take(take).ToListAsync(ct);
    }

    /// <summary>All refused rows as CSV (line, reason, row), for fixing the file and importing again.</summary>
    public async Task WriteErrorsCsvAsync(int jobId, Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.ImportRowErrors.AsNoTracking().Where(e => e.ImportJobId == jobId).OrderBy(e => e.LineNumber)
            .Select(e => new object?[] { e.LineNumber, e.Reason, e.RawRow ?? "" }).AsAsyncEnumerable();
        await SpreadsheetCsv.WriteAsync(output, ["line", "reason", "row"], rows, ct);
    }

    public async Task CancelAsync(int jobId)
    {
        await user.RequireAsync(Policies.CanEdit);
        queue.Cancel(jobId);
    }

    private string PathOf(string uploadId)
    {
        if (uploadId.Length != 32 || !uploadId.All(char.IsAsciiHexDigit))
        {
            throw new ImportFileException("Unknown upload.");
        }

        return Path.Combine(UploadFolder, uploadId + ".csv");
    }

    private static string Signature(IReadOnlyList<string> headers) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', headers.Select(h => h.Trim().ToLowerInvariant())))))[..32];
}

public sealed record UploadedFile(string Id, string FileName, long Size);

public sealed record ImportPreview(IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, ImportMapping Mapping, bool MappingRemembered);
