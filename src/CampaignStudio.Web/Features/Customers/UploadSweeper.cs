using CampaignStudio.Data;
using CampaignStudio.Domain.Imports;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>
/// Removes uploads that no waiting or running import uses once they are older than a day: a preview nobody imported,
/// a refused API upload, a finished job's file the worker could not delete. Uploads may be up to 2 GB each, so
/// abandoned ones must not pile up (issue 11, resource limits). Ages are read on the studio's clock (the upload's
/// time is set from it), so a test moves time with a fake clock.
/// </summary>
public sealed class UploadSweeper(DatabaseOptions database, IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<UploadSweeper> log)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "The upload sweep failed; it runs again in {Period}", Period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes the old unused uploads and returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var folder = new DirectoryInfo(ImportService.UploadFolderOf(database));
        if (!folder.Exists)
        {
            return 0;
        }

        var cutoff = clock.GetUtcNow().UtcDateTime - ImportService.KeepUnusedUploadsFor;
        var old = folder.EnumerateFiles("*.csv").Where(f => f.LastWriteTimeUtc < cutoff).ToList();
        if (old.Count == 0)
        {
            return 0;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var inUse = (await db.ImportJobs.AsNoTracking()
            .Where(j => j.Status == ImportStatus.Queued || j.Status == ImportStatus.Running)
            .Select(j => j.StoredPath)
            .ToListAsync(ct)).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var file in old.Where(f => !inUse.Contains(f.Name)))
        {
            try
            {
                file.Delete();
                removed++;
            }
            catch (IOException ex)
            {
                log.LogWarning(ex, "Could not remove the old upload {File}", file.Name);
            }
        }

        if (removed > 0)
        {
            log.LogInformation("Removed {Count} uploads older than {Age} that no import uses", removed, ImportService.KeepUnusedUploadsFor);
        }

        return removed;
    }
}
