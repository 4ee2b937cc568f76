using System.Globalization;
using System.Text.Json;
using CampaignStudio.Analytics.Clustering;
using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Segments.Clustering;

/// <summary>"Find micro-segments": start k-means runs in the background, read their results, rename clusters, save one as a segment.</summary>
public sealed class ClusteringService(IDbContextFactory<AppDbContext> dbFactory, ClusteringQueue queue, ClusterFeatureLoader loader, CurrentUser user, TimeProvider clock)
{
    public const int MaxK = 12;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<ClusteringRunListItem>> RunsAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ClusteringRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(50)
            .Select(r => new ClusteringRunListItem(r.Id, r.Name, r.K, r.Status.ToString(), r.Progress, r.CreatedAt, r.CreatedBy, r.Error))
            .ToListAsync(ct);
    }

    public async Task<(ClusteringRun Run, ClusterRunResult? Result)?> GetAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.ClusteringRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        return run is null ? null : (run, run.ResultJson is null ? null : JsonSerializer.Deserialize<ClusterRunResult>(run.ResultJson, Json));
    }

    /// <summary>The standard features plus a share feature for each of the most common categories.</summary>
    public async Task<IReadOnlyList<FeatureDefinition>> FeaturesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var categories = await ClusterFeatureLoader.CategoriesAsync(db, ct);
        return [.. CustomerFeatures.Standard, .. categories.Take(8).Select(CustomerFeatures.CategoryShare)];
    }

    public async Task<int> StartAsync(ClusteringRequest request, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        if (request.FeatureKeys.Count < 2)
        {
            throw new ArgumentException("Pick at least two features.");
        }

        if (request.K is < 2 or > MaxK)
        {
            throw new ArgumentException($"k must be between 2 and {MaxK}.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = new ClusteringRun
        {
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"Micro-segments {clock.GetUtcNow():yyyy-MM-dd HH:mm}" : request.Name.Trim(),
            ScopeSegmentId = request.ScopeSegmentId,
            FeaturesJson = JsonSerializer.Serialize(request, Json),
            K = request.K,
            Seed = 42,
            Status = ClusteringStatus.Queued,
            CreatedBy = await user.NameAsync(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ClusteringRuns.Add(run);
        await db.SaveChangesAsync(ct);
        await queue.EnqueueAsync(run.Id, ct);
        return run.Id;
    }

    /// <summary>Elbow and silhouette for k = 2..10 on a sample, to help choose k; runs here (a few seconds), not as a job.</summary>
    public async Task<KSuggestion> SuggestKAsync(IReadOnlyList<string> featureKeys, int? scopeSegmentId, bool includeNonBuyers, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var features = await loader.LoadAsync(db, featureKeys, scopeSegmentId, includeNonBuyers, ct);
        if (features.RowCount < 20)
        {
            throw new ArgumentException("Too few customers in scope to suggest k (at least 20 buyers are needed).");
        }

        var transforms = featureKeys.Select(CustomerFeatures.TransformOf).ToList();
        return await Task.Run(() => KSuggester.Suggest(features, new KSuggestionOptions { Seed = 42, Transforms = transforms, MaxK = 8, SampleSize = 3_000 }, ct), ct);
    }

    public async Task RenameClusterAsync(int runId, int cluster, string name, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await UpdateResultAsync(runId, r => r with
        {
            Clusters = r.Clusters.Select(c => c.Index == cluster ? c with { Name = string.IsNullOrWhiteSpace(name) ? c.Name : name.Trim() } : c).ToList(),
        }, ct);
    }

    /// <summary>Stores the cluster's members as a segment (kind Cluster) that campaigns and rules can use.</summary>
    public async Task<int> SaveAsSegmentAsync(int runId, int cluster, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var loaded = await GetAsync(runId, ct) ?? throw new ArgumentException("Unknown clustering run.");
        var card = loaded.Result?.Clusters.FirstOrDefault(c => c.Index == cluster) ?? throw new ArgumentException("Unknown cluster.");
        var members = ClusteringWorker.ReadMembers(loaded.Run.ModelPath!).Where(m => m.Cluster == cluster).Select(m => m.CustomerId).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var segment = new Segment
        {
            Name = card.Name.Length <= Domain.Limits.Title ? card.Name : card.Name[..Domain.Limits.Title],
            Description = $"Cluster {cluster + 1} of “{loaded.Run.Name}”: {card.Profile}",
            Kind = SegmentKind.Cluster,
            ClusteringRunId = runId,
            ClusterIndex = cluster,
            MemberCount = members.Count,
            CountedAt = now,
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(segment);
        await db.SaveChangesAsync(ct);
        db.SegmentMembers.AddRange(members.Select(id => new SegmentMember { SegmentId = segment.Id, CustomerId = id }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await UpdateResultAsync(runId, r => r with { Clusters = r.Clusters.Select(c => c.Index == cluster ? c with { SavedSegmentId = segment.Id } : c).ToList() }, ct);
        return segment.Id;
    }

    /// <summary>
    /// Scores today's customers in the run's scope with the stored model (no retraining), so customers who arrived or
    /// changed since the run land in its clusters; saved cluster segments get the new members. Returns the customers scored.
    /// </summary>
    public async Task<int> RescoreAsync(int runId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var loaded = await GetAsync(runId, ct) ?? throw new ArgumentException("Unknown clustering run.");
        if (loaded.Run.Status != ClusteringStatus.Finished || loaded.Run.ModelPath is null)
        {
            throw new ArgumentException("Only a finished run can score customers.");
        }

        var request = JsonSerializer.Deserialize<ClusteringRequest>(loaded.Run.FeaturesJson, Json)!;
        var model = JsonSerializer.Deserialize<ClusteringModel>(await File.ReadAllTextAsync(loaded.Run.ModelPath, ct), Json)!;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var features = await loader.LoadAsync(db, model.FeatureKeys, request.ScopeSegmentId, request.IncludeNonBuyers, ct);
        var clusters = model.Score(features);
        ClusteringWorker.WriteMembers(loaded.Run.ModelPath, features.CustomerIds, clusters);

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var saved = await db.Segments.Where(s => s.ClusteringRunId == runId && s.Kind == SegmentKind.Cluster).ToListAsync(ct);
        foreach (var segment in saved)
        {
            await db.SegmentMembers.Where(m => m.SegmentId == segment.Id).ExecuteDeleteAsync(ct);
            var members = features.CustomerIds.Where((_, i) => clusters[i] == segment.ClusterIndex).ToList();
            db.SegmentMembers.AddRange(members.Select(id => new SegmentMember { SegmentId = segment.Id, CustomerId = id }));
            segment.MemberCount = members.Count;
            segment.CountedAt = now;
            segment.UpdatedAt = now;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var sizes = clusters.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        await UpdateResultAsync(runId, r => r with
        {
            Customers = features.RowCount,
            Clusters = r.Clusters.Select(c => c with { Size = sizes.GetValueOrDefault(c.Index), Share = (double)sizes.GetValueOrDefault(c.Index) / Math.Max(1, features.RowCount) }).ToList(),
        }, ct);
        return features.RowCount;
    }

    private async Task UpdateResultAsync(int runId, Func<ClusterRunResult, ClusterRunResult> change, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.ClusteringRuns.FirstAsync(r => r.Id == runId, ct);
        var result = JsonSerializer.Deserialize<ClusterRunResult>(run.ResultJson ?? throw new ArgumentException("The run has no result yet."), Json)!;
        run.ResultJson = JsonSerializer.Serialize(change(result), Json);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>"median 2 orders, last bought 200 days ago, €45 spent" — the profile in the original units.</summary>
    public static string Describe(IReadOnlyList<ClusterFeature> features)
    {
        string? Part(ClusterFeature f) => f.Key switch
        {
            CustomerFeatures.Frequency => $"{f.Median:0.#} order{(Math.Abs(f.Median - 1) < 0.01 ? "" : "s")}",
            CustomerFeatures.RecencyDays => $"last bought {f.Median:0} days ago",
            CustomerFeatures.Monetary => $"{f.Median.ToString("N0", CultureInfo.InvariantCulture)} spent",
            CustomerFeatures.AverageOrderValue => $"{f.Median.ToString("N0", CultureInfo.InvariantCulture)} per order",
            CustomerFeatures.TenureDays => $"customer for {f.Median / 30.4:0} months",
            CustomerFeatures.Engagement => $"{f.Median:0} opens/clicks in 90 days",
            _ when CustomerFeatures.CategoryOf(f.Key) is { } category => f.Median > 0.05 ? $"{f.Median:P0} of orders in {category}" : null,
            _ => null,
        };

        return "median " + string.Join(", ", features.Select(Part).Where(p => p is not null));
    }
}
