using System.Threading.Channels;
using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>What the predictive worker can be asked to do.</summary>
public enum PredictiveWork
{
    Lifetime,
    Recommendations,
}

/// <summary>Work waiting for <see cref="PredictiveWorker"/>.</summary>
public sealed class PredictiveQueue
{
    private readonly Channel<PredictiveWork> _work = Channel.CreateUnbounded<PredictiveWork>();

    public ValueTask EnqueueAsync(PredictiveWork work, CancellationToken ct = default) => _work.Writer.WriteAsync(work, ct);

    public IAsyncEnumerable<PredictiveWork> ReadAllAsync(CancellationToken ct) => _work.Reader.ReadAllAsync(ct);
}

/// <summary>
/// Fits the lifetime models and trains recommendations in the background. On start it trains the recommendations (the
/// model lives in memory) and, when there are purchases but no predictions yet, fits the lifetime models too.
/// </summary>
public sealed class PredictiveWorker(PredictiveQueue queue, LifetimeJob lifetime, RecommendationJob recommendations, IDbContextFactory<AppDbContext> dbFactory,
    ILogger<PredictiveWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken))
            {
                if (await db.Purchases.AnyAsync(stoppingToken))
                {
                    await recommendations.RunAsync(stoppingToken);
                    if (!await db.CustomerPredictions.AnyAsync(stoppingToken))
                    {
                        await lifetime.RunAsync(stoppingToken);
                    }
                }
            }

            await foreach (var work in queue.ReadAllAsync(stoppingToken))
            {
                await (work == PredictiveWork.Lifetime ? lifetime.RunAsync(stoppingToken) : recommendations.RunAsync(stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            log.LogError(ex, "The predictive worker stopped");
        }
    }
}
