using System.Diagnostics;
using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>Uploads nobody imports are removed after a day by a background sweep on the studio's clock (issue 11, resource limits).</summary>
public sealed class UploadSweepTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public async Task UploadsNeverImportedAreRemovedAfterADayAndQueuedOnesAreKept()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync((await users.FindByEmailAsync("marketer@demo.local"))!);
        var user = scope.ServiceProvider.GetRequiredService<CurrentUser>();
        user.Use(principal);
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var database = app.Services.GetRequiredService<DatabaseOptions>();
        var imports = new ImportService(dbFactory, database, new ImportQueue(app.Services.GetRequiredService<CampaignStudio.Data.Cluster.JobClaims>()), user, clock);
        UploadedFile Save(string name) => imports.SaveUploadAsync(new MemoryStream("email\na@example.com\n"u8.ToArray()), name).GetAwaiter().GetResult();

        var abandoned = Save("abandoned.csv");
        var queued = Save("queued.csv");
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.ImportJobs.Add(new ImportJob { Kind = ImportKind.Customers, FileName = "queued.csv", StoredPath = imports.PathOf(queued), Status = ImportStatus.Queued, CreatedBy = "test", CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        }

        clock.Advance(TimeSpan.FromHours(20));
        var recent = Save("recent.csv");
        var sweeper = new UploadSweeper(database, dbFactory, clock, NullLogger<UploadSweeper>.Instance);
        await sweeper.StartAsync(CancellationToken.None);
        File.Exists(imports.PathOf(abandoned)).ShouldBeTrue("a day has not passed yet");

        clock.Advance(TimeSpan.FromHours(5));

        var watch = Stopwatch.StartNew();
        while (File.Exists(imports.PathOf(abandoned)))
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the sweep did not remove the abandoned upload");
            await Task.Delay(20);
        }

        File.Exists(imports.PathOf(recent)).ShouldBeTrue();
        File.Exists(imports.PathOf(queued)).ShouldBeTrue();
        await sweeper.StopAsync(CancellationToken.None);
        app.Services.GetServices<IHostedService>().OfType<UploadSweeper>().Count().ShouldBe(1);
    }
}
