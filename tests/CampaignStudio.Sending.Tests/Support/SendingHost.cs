using System.Globalization;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Sending.Tests.Support;

/// <summary>
/// The send pipeline as the worker host registers it (AddStudioData + AddSendPipeline), without any web host: a real
/// database, SMTP to a real server (aiosmtpd), a sender identity, and the background worker off, so each test drives
/// launch and send passes itself.
/// </summary>
public abstract class SendingHost : IAsyncLifetime
{
    private ServiceProvider? _services;

    public SmtpServerFixture Smtp { get; } = new();

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "cs-sending-" + Guid.NewGuid().ToString("N"));

    /// <summary>The pipeline's clock: starts on the fixed day (<see cref="StudioClock.DefaultStart"/>) and runs at the real pace.</summary>
    public StudioClock Clock { get; } = new();

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    /// <summary>Database settings of the concrete host (none for SQLite: a file in the data folder).</summary>
    protected virtual Task<Dictionary<string, string?>> DatabaseSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());

    public virtual async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Database:DataFolder"] = DataFolder,
            ["Mail:Transport"] = "Smtp",
            ["Mail:Smtp:Host"] = "127.0.0.1",
            ["Mail:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Mail:Smtp:Security"] = "None",
            ["Mail:Smtp:Connections"] = "2",
            ["Mail:Send:RetryBaseDelay"] = "00:00:00.050",
            ["Mail:Send:MaxAttempts"] = "4",
            ["Campaigns:Worker:Enabled"] = "false",
        };
        foreach (var (key, value) in await DatabaseSettingsAsync())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSingleton<TimeProvider>(Clock);
        services.AddStudioData(DataFolder);
        services.AddSendPipeline(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await DatabaseMigrator.MigrateAsync(Db);
        await CampaignTestBuilder.SenderAsync(Services.GetRequiredService<SenderIdentityStore>());
    }

    public virtual async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await Smtp.DisposeAsync();
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

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
