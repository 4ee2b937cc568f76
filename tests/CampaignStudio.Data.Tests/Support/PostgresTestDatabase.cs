using CampaignStudio.Data;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Support;

/// <summary>A fresh database on the test run's PostgreSQL server, copied from the migrated template; dropped afterwards.</summary>
public sealed class PostgresTestDatabase : TestDatabase
{
    private readonly PostgresServer _server;

    private PostgresTestDatabase(PostgresServer server, DatabaseOptions options)
    {
        _server = server;
        Options = options;
        Factory = FactoryFor(options);
    }

    public override IDbContextFactory<AppDbContext> Factory { get; }

    public override DatabaseOptions Options { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var folder = Path.Combine(Path.GetTempPath(), "cs-test-" + Guid.NewGuid().ToString("N"));
        return new PostgresTestDatabase(server, new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = connectionString, DataFolder = folder });
    }

    public override async ValueTask DisposeAsync() => await _server.DropDatabaseAsync(Options.ConnectionString!);
}
