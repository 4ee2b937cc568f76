using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending;

/// <summary>
/// The background send loop: starts due scheduled campaigns (or parks far overdue ones for a person to confirm), then sends
/// batch after batch. Runs inside the web app, or alone in the worker host (see <see cref="DependencyInjection.AddSendWorkerHost"/>).
/// </summary>
public sealed class CampaignSendWorker(CampaignSender sender, CampaignLauncher launcher, IDbContextFactory<AppDbContext> dbFactory,
    SendWorkerOptions options, TimeProvider clock, ILogger<CampaignSendWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        await Task.Yield();
        log.LogInformation("Send worker {WorkerId} started", sender.WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StartDueCampaignsAsync(stoppingToken);
                if (!await sender.RunOnceAsync(stoppingToken))
                {
                    await Task.Delay(options.PollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "The send worker hit an error; it carries on after a pause");
                await Task.Delay(TimeSpan.FromSeconds(5), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Launches scheduled campaigns whose time has come; one found far past its time waits for confirmation instead.</summary>
    internal async Task StartDueCampaignsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<(int Id, DateTime? At)> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = (await db.Campaigns.AsNoTracking()
                    .Where(c => c.Status == CampaignStatus.Scheduled && (c.ScheduledAt == null || c.ScheduledAt <= now))
                    .Select(c => new { c.Id, c.ScheduledAt }).ToListAsync(ct))
                .Select(c => (c.Id, c.ScheduledAt)).ToList();
            foreach (var (id, at) in due.Where(d => d.At is { } t && now - t > options.OverdueAfter))
            {
                if (await CampaignMoves.TryAsync(db, id, CampaignLifecycle.AwaitConfirmation, ct))
                {
                    log.LogWarning("Campaign {CampaignId} was due at {At:u}, {Late} ago: waiting for a person to confirm", id, at, now - at!.Value);
                }
            }
        }

        foreach (var (id, _) in due.Where(d => d.At is not { } t || now - t <= options.OverdueAfter))
        {
            await launcher.LaunchAsync(id, ct);
        }
    }
}
