using CampaignStudio.Data;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>
/// The real studio host on a new, empty database of the test run's PostgreSQL server: the studio's own start migrates it.
/// <see cref="On"/> starts a second instance on the same database, like a second server behind a load balancer.
/// </summary>
public class PostgresStudioAppFactory : StudioAppFactory, IAsyncLifetime
{
    private readonly bool _ownsDatabase;

    public PostgresStudioAppFactory()
    {
        _ownsDatabase = true;
    }

    private PostgresStudioAppFactory(string connectionString, StudioClock clock)
    {
        UseDatabase(connectionString);
        UseClock(clock);
    }

    public string ConnectionString => Settings["Database:ConnectionString"]!;

    /// <summary>Another studio instance on the same database (its own data folder, its own memory) and the same clock.</summary>
    public static PostgresStudioAppFactory On(string connectionString, StudioClock clock) => new(connectionString, clock);

    public async Task InitializeAsync()
    {
        if (_ownsDatabase)
        {
            var server = await PostgresServer.SharedAsync();
            UseDatabase(await server.CreateDatabaseAsync(migrated: false));
        }
    }

    private void UseDatabase(string connectionString)
    {
        Settings["Database:Provider"] = DatabaseProviders.Postgres;
        Settings["Database:ConnectionString"] = connectionString;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_ownsDatabase)
        {
            await (await PostgresServer.SharedAsync()).DropDatabaseAsync(ConnectionString);
        }
    }
}
