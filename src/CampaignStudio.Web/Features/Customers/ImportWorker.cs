using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>Runs queued imports one at a time in the background; the page follows the job row.</summary>
public sealed class ImportWorker(ImportQueue queue, CsvImporter importer, IDbContextFactory<AppDbContext> dbFactory, CustomerCountCache counts,
    TimeProvider clock, ILogger<ImportWorker> log, Sending.Personalization.ProductCatalogue? catalogue = null)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var jobId in queue.ReadAllAsync(stoppingToken))
        {
            await RunAsync(jobId, stoppingToken);
        }
    }

    internal async Task RunAsync(int jobId, CancellationToken stoppingToken)
    {
        using var cts = queue.Begin(jobId, stoppingToken);
        try
        {
            ImportJob? job;
            await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken))
            {
                job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == jobId, stoppingToken);
                if (job is null || job.Status != ImportStatus.Queued)
                {
                    return;
                }

                job.Status = ImportStatus.Running;
                job.StartedAt = clock.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(stoppingToken);
            }

            var (status, message) = await ImportAsync(job, cts.Token);
            counts.Invalidate();
            await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
            {
                var done = await db.ImportJobs.FirstAsync(j => j.Id == jobId, CancellationToken.None);
                done.Status = status;
                done.Message = message ?? Summary(done);
                done.FinishedAt = clock.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(CancellationToken.None);
            }

            if (status is ImportStatus.Completed or ImportStatus.Cancelled or ImportStatus.Failed)
            {
                TryDelete(job.StoredPath);
            }
        }
        finally
        {
            await queue.EndAsync(jobId);
        }
    }

    private async Task<(ImportStatus, string?)> ImportAsync(ImportJob job, CancellationToken ct)
    {
        try
        {
            await using var stream = new FileStream(job.StoredPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            try
            {
                await importer.ImportAsync(stream, job.Kind, ImportMapping.FromJson(job.MappingJson), job.Id, progress: null, ct);
            }
            finally
            {
                // Committed batches may have changed stock or prices: recommendations read the catalogue again.
                if (job.Kind == ImportKind.Products)
                {
                    catalogue?.Invalidate();
                }
            }

            if (job.Kind != ImportKind.Products)
            {
                // Products change no customer's statistics.
                await new CustomerStatsRefresher(dbFactory, clock).RefreshAllAsync(ct);
            }

            return (ImportStatus.Completed, null);
        }
        catch (OperationCanceledException) when (queue.IsCancelRequested(job.Id))
        {
            return (ImportStatus.Cancelled, "Cancelled. Batches committed before the cancel stay imported; importing the file again adds no duplicates.");
        }
        catch (OperationCanceledException)
        {
            return (ImportStatus.Interrupted, "The studio was stopping. Committed batches stay; import the file again to finish.");
        }
        catch (ImportFileException ex)
        {
            return (ImportStatus.Failed, ex.Message);
        }
        catch (FileNotFoundException)
        {
            return (ImportStatus.Failed, "The uploaded file is gone; upload it again.");
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Import {JobId} failed", job.Id);
            return (ImportStatus.Failed, "The import stopped on an unexpected error. Batches committed before it stay; nothing half-written remains. " + ex.Message);
        }
    }

    /// <summary>The job's outcome in one sentence; the counts add up to the lines read (issue 11: no row may vanish unseen).</summary>
    internal static string Summary(ImportJob job)
    {
        var sentence = $"{job.LinesRead:N0} lines read: {job.InsertedRows:N0} new, {job.UpdatedRows:N0} updated or already present, {job.ErrorRows:N0} refused, {job.BlankLines:N0} blank";
        if (job.ContinuationLines > 0)
        {
            sentence += $", {job.ContinuationLines:N0} more lines of rows whose quoted values span lines";
        }

        sentence += ".";
        if (job.ReplacedRows > 0)
        {
            sentence += $" {job.ReplacedRows:N0} rows replaced an earlier row of the file with the same key (you chose “last wins”).";
        }

        return sentence;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover upload is harmless; the next start does not need it.
        }
    }
}
