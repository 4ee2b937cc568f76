using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Support;

/// <summary>A real SQLite file in a temp folder, migrated with the real migrations; deleted afterwards.</summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private SqliteTestDatabase(string folder, IDbContextFactory<AppDbContext> factory)
    {
        Folder = folder;
        Factory = factory;
    }

    public string Folder { get; }

    public IDbContextFactory<AppDbContext> Factory { get; }

    public static async Task<SqliteTestDatabase> CreateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cs-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var options = new DatabaseOptions { DataFolder = folder, ConnectionString = $"Data Source={Path.Combine(folder, "test.db")};Pooling=False" };
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, options);
        var factory = new TestFactory(builder.Options);
        await DatabaseMigrator.MigrateAsync(factory);
        return new SqliteTestDatabase(folder, factory);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private sealed class TestFactory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}
