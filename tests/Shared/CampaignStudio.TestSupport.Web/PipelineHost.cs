using System.Globalization;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Sending;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CampaignStudio.TestSupport.Web;

/// <summary>
/// The send pipeline as the worker host registers it (AddStudioData + AddSendPipeline), without any web host or background
/// loop: a real database, SMTP to a real server (aiosmtpd), a sender identity and the studio clock, so each test drives its
/// passes itself. The send tests' host and the flow engine's host are this with their own additions.
/// </summary>
public abstract class PipelineHost(string folderPrefix) : IAsyncLifetime
{
    private ServiceProvider? _services;

    public SmtpServerFixture Smtp { get; } = new();

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N"));

    /// <summary>The clock: starts on a fixed instant (<see cref="StudioClock.DefaultStart"/> unless a host chooses another) and runs at the real pace.</summary>
    public StudioClock Clock { get; protected set; } = new();

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    /// <summary>Database settings of the concrete host (none for SQLite: a file in the data folder).</summary>
    protected virtual Task<Dictionary<string, string?>> DatabaseSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());

    /// <summary>What the concrete host adds to the settings (switches, options).</summary>
    protected virtual void AddSettings(Dictionary<string, string?> settings)
    {
    }

    /// <summary>What the concrete host adds to the services (e.g. the flow engine).</summary>
    protected virtual void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }

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
        AddSettings(settings);
        foreach (var (key, value) in await DatabaseSettingsAsync())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSingleton<TimeProvider>(Clock);
        services.AddStudioData(DataFolder);
        services.AddSendPipeline(configuration);
        AddServices(services, configuration);
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
