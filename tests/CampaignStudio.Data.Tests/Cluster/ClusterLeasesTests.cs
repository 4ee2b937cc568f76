using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Cluster;

/// <summary>Two studio instances on one database, played by two lease holders with different owners.</summary>
public abstract class ClusterLeasesTests(string provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private ClusterLeases Instance(string owner, DateTime? now = null) => new(_db.Factory, new FixedClock(now ?? FixedClock.Now)) { Owner = owner };

    [Fact]
    public async Task OnlyOneInstanceHoldsALeaseUntilItIsReleased()
    {
        var a = Instance("a");
        var b = Instance("b");

        var held = await a.TryAcquireAsync("startup");
        held.ShouldNotBeNull();
        (await b.TryAcquireAsync("startup")).ShouldBeNull();
        (await b.IsHeldAsync("startup")).ShouldBeTrue();
        (await b.TryAcquireAsync("another job")).ShouldNotBeNull();

        await held.DisposeAsync();

        (await a.IsHeldAsync("startup")).ShouldBeFalse();
        (await b.TryAcquireAsync("startup")).ShouldNotBeNull();
    }

    [Fact]
    public async Task ALeaseNotRenewedExpiresAndAnotherInstanceTakesIt()
    {
        (await Instance("crashed").TryAcquireAsync("import:7", TimeSpan.FromSeconds(60))).ShouldNotBeNull();

        (await Instance("b", FixedClock.Now.AddSeconds(59)).TryAcquireAsync("import:7")).ShouldBeNull();
        (await Instance("b", FixedClock.Now.AddSeconds(61)).IsHeldAsync("import:7")).ShouldBeFalse();
        (await Instance("b", FixedClock.Now.AddSeconds(61)).TryAcquireAsync("import:7")).ShouldNotBeNull();

        await using var db = await _db.Factory.CreateDbContextAsync();
        (await db.JobLeases.SingleAsync()).Owner.ShouldBe("b");
    }

    [Fact]
    public async Task ManyInstancesRacingForOneLeaseGetItExactlyOnce()
    {
        var winners = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Instance("i" + i).TryAcquireAsync("seed demo shop"))));

        winners.Count(w => w is not null).ShouldBe(1);
    }

    [Fact]
    public async Task TwoFullStatsRefreshesAtOnceBothSucceed()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            db.Customers.AddRange(Enumerable.Range(1, 300).Select(i => CustomerTestBuilder.Named($"C{i}").Bought(i, "Books", daysAgo: i % 40).Build()));
            await db.SaveChangesAsync();
        }

        // Two instances finishing an import at the same moment: without serialising, both insert what the other deleted.
        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new CustomerStatsRefresher(_db.Factory, new FixedClock()).RefreshAllAsync())));

        counts.ShouldAllBe(c => c == 300);
        await using var check = await _db.Factory.CreateDbContextAsync();
        (await check.CustomerStats.CountAsync()).ShouldBe(300);
    }

    public sealed class OnSqlite() : ClusterLeasesTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : ClusterLeasesTests(DatabaseProviders.Postgres);
}
