using CampaignStudio.Data;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;

namespace CampaignStudio.Sending.Tests.Support;

/// <summary>The send pipeline alone (<see cref="PipelineHost"/>), on SQLite or PostgreSQL.</summary>
public abstract class SendingHost() : PipelineHost("cs-sending-");

public sealed class SqliteSendingHost : SendingHost;

/// <summary>The same on a new, empty database of the test run's PostgreSQL server.</summary>
public sealed class PostgresSendingHost : SendingHost
{
    private string? _connectionString;

    protected override async Task<Dictionary<string, string?>> DatabaseSettingsAsync()
    {
        _connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(migrated: false);
        return new() { ["Database:Provider"] = DatabaseProviders.Postgres, ["Database:ConnectionString"] = _connectionString };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString is not null)
        {
            await (await PostgresServer.SharedAsync()).DropDatabaseAsync(_connectionString);
        }
    }
}
