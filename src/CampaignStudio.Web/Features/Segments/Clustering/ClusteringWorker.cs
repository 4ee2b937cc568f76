using System.Text.Json;
using System.Threading.Channels;
using CampaignStudio.Analytics.Clustering;
using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Wording;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Segments.Clustering;

/// <summary>Clustering runs waiting for the worker.</summary>
public sealed class ClusteringQueue(JobClaims claims)
{
    private readonly Channel<int> _runs = Channel.CreateUnbounded<int>();

    public async ValueTask EnqueueAsync(int runId, CancellationToken ct = default)
    {
        // Claimed until the run ends, so another instance starting meanwhile does not mark it failed.
        await claims.ClaimAsync(JobClaims.Clustering(runId), ct);
        await _runs.Writer.WriteAsync(runId, ct);
    }

    public IAsyncEnumerable<int> ReadAllAsync(CancellationToken ct) => _runs.Reader.ReadAllAsync(ct);
}

/// <summary>
/// Runs k-means in the background (never on a user's circuit), writing progress to the run row, then stores the model
/// (so new customers can be scored into the same clusters), the members and the result the page shows.
/// </summary>
public sealed class ClusteringWorker(ClusteringQueue queue, IDbContextFactory<AppDbContext> dbFactory, ClusterFeatureLoader loader, DatabaseOptions database,
    JobClaims claims, TimeProvider clock, ILogger<ClusteringWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await MarkInterruptedAsync(stoppingToken);
        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(runId, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Clustering run {RunId} failed", runId);
                await SetAsync(runId, r => { r.Status = ClusteringStatus.Failed; r.Error = ex.Message; r.FinishedAt = clock.GetUtcNow().UtcDateTime; });
            }
            finally
            {
                await claims.ReleaseAsync(JobClaims.Clustering(runId));
            }
        }
    }

    internal async Task RunAsync(int runId, CancellationToken ct)
    {
        ClusteringRequest request;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var run = await db.ClusteringRuns.FirstAsync(r => r.Id == runId, ct);
            request = JsonSerializer.Deserialize<ClusteringRequest>(run.FeaturesJson, ClusteringService.Json)!;
            run.Status = ClusteringStatus.Running;
            run.Progress = 0.05;
            await db.SaveChangesAsync(ct);
        }

        FeatureMatrix features;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            features = await loader.LoadAsync(db, request.FeatureKeys, request.ScopeSegmentId, request.IncludeNonBuyers, ct);
        }

        if (features.RowCount < request.K * 5)
        {
            throw new InvalidOperationException($"Only {Plural.Of(features.RowCount, "customer")} {(features.RowCount == 1 ? "is" : "are")} in scope: too few for {request.K} clusters.");
        }

        await SetAsync(runId, r => r.Progress = 0.15);
        var lastReported = 0.0;
        var progress = new Progress<double>(p =>
        {
            // Progress of the fit maps to 15–90 %; written at most every 5 points.
            var overall = 0.15 + (0.75 * p);
            if (overall - lastReported >= 0.05)
            {
                lastReported = overall;
                _ = SetAsync(runId, r => r.Progress = r.Status == ClusteringStatus.Running ? overall : r.Progress);
            }
        });
        var transforms = request.FeatureKeys.Select(CustomerFeatures.TransformOf).ToList();
        var result = await Task.Run(() => KMeansClusterer.Fit(features, new ClusteringOptions { K = request.K, Seed = 42, Transforms = transforms, Progress = progress }, ct), ct);

        var standardized = new Preprocessor(result.Model.Preprocessing).Transform(features);
        var projection = Projection.Pca2D(standardized, result.Assignments, sampleSize: 2_000, seed: 42);
        var folder = Path.Combine(database.DataFolder, "models");
        Directory.CreateDirectory(folder);
        var modelPath = Path.Combine(folder, $"clustering-{runId}.json");
        await File.WriteAllTextAsync(modelPath, JsonSerializer.Serialize(result.Model, ClusteringService.Json), ct);
        WriteMembers(modelPath, result.CustomerIds, result.Assignments);

        var cards = result.Profiles.Select(p => Card(p, result.Names[p.Cluster])).ToList();
        var runResult = new ClusterRunResult(result.FeatureKeys, result.FeatureKeys.Select(CustomerFeatures.LabelOf).ToList(), cards,
            projection.Points.Select(pt => new ClusterPoint(Math.Round(pt.X, 3), Math.Round(pt.Y, 3), pt.Cluster)).ToList(),
            result.Inertia, projection.ExplainedVarianceX, projection.ExplainedVarianceY, features.RowCount);
        await SetAsync(runId, r =>
        {
            r.Status = ClusteringStatus.Finished;
            r.Progress = 1;
            r.ModelPath = modelPath;
            r.ResultJson = JsonSerializer.Serialize(runResult, ClusteringService.Json);
            r.FinishedAt = clock.GetUtcNow().UtcDateTime;
        });
    }

    private static ClusterCard Card(ClusterProfile profile, string name)
    {
        var features = profile.Features.Select(f => new ClusterFeature(f.Key, CustomerFeatures.LabelOf(f.Key), f.Median, Math.Round(f.Centroid, 3))).ToList();
        return new ClusterCard(profile.Cluster, name, profile.Size, profile.Share, ClusteringService.Describe(features), features);
    }

    /// <summary>Members as (customer id, cluster) pairs in a small binary file beside the model.</summary>
    internal static void WriteMembers(string modelPath, IReadOnlyList<long> customerIds, int[] clusters)
    {
        using var writer = new BinaryWriter(File.Create(modelPath + ".members"));
        writer.Write(customerIds.Count);
        for (var i = 0; i < customerIds.Count; i++)
        {
            writer.Write(customerIds[i]);
            writer.Write(clusters[i]);
        }
    }

    public static IEnumerable<(long CustomerId, int Cluster)> ReadMembers(string modelPath)
    {
        using var reader = new BinaryReader(File.OpenRead(modelPath + ".members"));
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            yield return (reader.ReadInt64(), reader.ReadInt32());
        }
    }

    private async Task SetAsync(int runId, Action<ClusteringRun> change)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.ClusteringRuns.FirstAsync(r => r.Id == runId, CancellationToken.None);
        change(run);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private async Task MarkInterruptedAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var unfinished = await db.ClusteringRuns.Where(r => r.Status == ClusteringStatus.Running || r.Status == ClusteringStatus.Queued).Select(r => r.Id).ToListAsync(ct);
        foreach (var id in unfinished)
        {
            // Runs another instance holds are alive; only those of a stopped instance have no live claim.
            if (!await claims.IsAliveAsync(JobClaims.Clustering(id), ct))
            {
                await db.ClusteringRuns.Where(r => r.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ClusteringStatus.Failed).SetProperty(r => r.Error, "The studio stopped during this run; start it again."), ct);
            }
        }
    }
}
