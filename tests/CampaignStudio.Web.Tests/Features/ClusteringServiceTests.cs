using System.Diagnostics;
using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Segments.Clustering;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.TestSupport;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The clustering job end to end through the real host: queue, background worker, stored model, segment, rescoring.</summary>
public sealed class ClusteringServiceTests : IClassFixture<ClusteringServiceTests.DemoStudio>
{
    private readonly DemoStudio _app;

    public ClusteringServiceTests(DemoStudio app) => _app = app;

    public sealed class DemoStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 1_500;
    }

    [Fact]
    public async Task ARunClustersBuyersSavesAClusterAsASegmentAndScoresNewcomersWithTheStoredModel()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
        var clustering = scope.ServiceProvider.GetRequiredService<ClusteringService>();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>();

        var runId = await clustering.StartAsync(new ClusteringRequest("Test run", ["recency_days", "frequency", "monetary", "tenure_days"], null, K: 3));
        var (run, result) = await WaitUntilFinishedAsync(clustering, runId);

        run.Status.ShouldBe(ClusteringStatus.Finished, run.Error);
        result.ShouldNotBeNull();
        result.Clusters.Count.ShouldBe(3);
        int buyers;
        await using (var db = await factory.CreateDbContextAsync())
        {
            buyers = await db.Purchases.Select(p => p.CustomerId).Distinct().CountAsync();
        }

        result.Customers.ShouldBe(buyers);
        result.Clusters.Sum(c => c.Size).ShouldBe(buyers);
        result.Clusters.Select(c => c.Name).Distinct().Count().ShouldBe(3);
        result.Clusters.ShouldAllBe(c => c.Profile.StartsWith("median ", StringComparison.Ordinal));

        // Save the largest cluster as a segment: its members are exactly that cluster's customers.
        var largest = result.Clusters.OrderByDescending(c => c.Size).First();
        await clustering.RenameClusterAsync(runId, largest.Index, "Core buyers");
        var segmentId = await clustering.SaveAsSegmentAsync(runId, largest.Index);
        await using (var db = await factory.CreateDbContextAsync())
        {
            var segment = await db.Segments.SingleAsync(s => s.Id == segmentId);
            (segment.Name, segment.Kind, segment.MemberCount).ShouldBe(("Core buyers", SegmentKind.Cluster, largest.Size));
            (await db.SegmentMembers.CountAsync(m => m.SegmentId == segmentId)).ShouldBe(largest.Size);
        }

        // New buyers arrive; rescoring with the stored model puts every one of them in a cluster without retraining.
        var csv = "customer_email,order_id,amount,date\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i =>
            $"newcomer{i}@example.com,N{i},{20 + (i * 7)}.00,{_app.Clock.GetUtcNow().AddDays(-i):yyyy-MM-dd}"));
        await scope.ServiceProvider.GetRequiredService<CsvImporter>().ImportAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)),
            ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, ["customer_email", "order_id", "amount", "date"]));

        var scored = await clustering.RescoreAsync(runId);

        scored.ShouldBe(buyers + 40);
        var after = (await clustering.GetAsync(runId))!.Value.Result!;
        after.Customers.ShouldBe(buyers + 40);
        after.Clusters.Sum(c => c.Size).ShouldBe(buyers + 40);
        after.Clusters.Single(c => c.Index == largest.Index).Name.ShouldBe("Core buyers");
        await using (var db = await factory.CreateDbContextAsync())
        {
            var members = await db.SegmentMembers.CountAsync(m => m.SegmentId == segmentId);
            members.ShouldBe(after.Clusters.Single(c => c.Index == largest.Index).Size);
        }
    }

    [Fact]
    public async Task AManagerCannotStartARun()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "manager@demo.local"), new Claim(ClaimTypes.Role, Roles.Manager)], "test")));
        var clustering = scope.ServiceProvider.GetRequiredService<ClusteringService>();

        await Should.ThrowAsync<StudioForbiddenException>(() => clustering.StartAsync(new ClusteringRequest("x", ["frequency", "monetary"], null, 3)));
    }

    private static async Task<(ClusteringRun Run, ClusterRunResult? Result)> WaitUntilFinishedAsync(ClusteringService clustering, int runId)
    {
        // A wait on real work (the background clustering job): real time, not the studio's clock.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var loaded = (await clustering.GetAsync(runId))!.Value;
            if (loaded.Run.Status is ClusteringStatus.Finished or ClusteringStatus.Failed || waited.Elapsed > TimeSpan.FromSeconds(90))
            {
                return loaded;
            }

            await Task.Delay(100);
        }
    }
}
