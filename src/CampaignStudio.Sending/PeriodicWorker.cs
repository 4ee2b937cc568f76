namespace CampaignStudio.Sending;

/// <summary>
/// A background loop that runs one pass every interval on the studio's clock, logs an error and carries on at the next check,
/// and stops with the host. The cluster-leased workers beside the send worker (bounce mailbox, adaptive rounds, winner
/// rollouts, webhook deliveries) share it, so how such a loop waits, fails and stops is decided in one place.
/// </summary>
public abstract class PeriodicWorker(TimeProvider clock, ILogger log) : BackgroundService
{
    /// <summary>The studio's clock, for the passes too.</summary>
    protected TimeProvider Clock => clock;

    /// <summary>Whether this process runs the loop at all (configuration; other instances may run it).</summary>
    protected abstract bool Enabled { get; }

    /// <summary>The wait between passes, on the studio's clock.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>What the loop does, for the log: "reading the bounce mailbox".</summary>
    protected abstract string Work { get; }

    /// <summary>One pass; the worker's own <c>RunOnceAsync</c>-style method, which tests call directly.</summary>
    protected abstract Task PassAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        // Start after the host has started: the first pass must not hold up startup.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
                await Task.Delay(Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "{Work} hit an error; it carries on at the next check", Work);
                await Task.Delay(Interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
