using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Support;

/// <summary>A real, migrated database of either provider; tests that must hold on both take the provider as a parameter.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract IDbContextFactory<AppDbContext> Factory { get; }

    public abstract DatabaseOptions Options { get; }

    public bool IsSqlite => Options.IsSqlite;

    public static async Task<TestDatabase> CreateAsync(string provider) =>
        provider == DatabaseProviders.Sqlite ? await SqliteTestDatabase.CreateAsync() : await PostgresTestDatabase.CreateAsync();

    public abstract ValueTask DisposeAsync();

    protected static IDbContextFactory<AppDbContext> FactoryFor(DatabaseOptions options)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, options);
        return new TestFactory(builder.Options);
    }

    private sealed class TestFactory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}
