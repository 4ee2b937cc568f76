using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Support;

/// <summary>A real SQLite file in a temp folder, migrated with the real migrations; deleted afterwards.</summary>
public sealed class SqliteTestDatabase : TestDatabase
{
    private SqliteTestDatabase(string folder, DatabaseOptions options, IDbContextFactory<AppDbContext> factory)
    {
        Folder = folder;
        Options = options;
        Factory = factory;
    }

    public string Folder { get; }

    public override IDbContextFactory<AppDbContext> Factory { get; }

    public override DatabaseOptions Options { get; }

    public static async Task<SqliteTestDatabase> CreateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cs-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var options = new DatabaseOptions { DataFolder = folder, ConnectionString = $"Data Source={Path.Combine(folder, "test.db")};Pooling=False" };
        var factory = FactoryFor(options);
        await DatabaseMigrator.MigrateAsync(factory);
        return new SqliteTestDatabase(folder, options, factory);
    }

    public override async ValueTask DisposeAsync()
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
}
