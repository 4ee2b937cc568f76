using System.Globalization;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Sending;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Flows.Tests.Support;

/// <summary>
/// The flow engine and the send pipeline as the worker host registers them, without the background loops (each test drives
/// the passes itself): a real SQLite file, SMTP to a real server (aiosmtpd), a sender identity, and the studio clock.
/// </summary>
public sealed class FlowHost : IAsyncLifetime
{
    private ServiceProvider? _services;

    public SmtpServerFixture Smtp { get; } = new();

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "cs-flows-" + Guid.NewGuid().ToString("N"));

    /// <summary>Starts on a fixed instant (a test may choose it) and runs at the real pace; tests move it on.</summary>
    public StudioClock Clock { get; private set; } = new();

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    public FlowEngine Engine => Services.GetRequiredService<FlowEngine>();

    public CampaignSender Sender => Services.GetRequiredService<CampaignSender>();

    public FlowTestBuilder Build => new(Db, Clock);

    /// <summary>Starts the clock at <paramref name="start"/> instead of the default Monday in June (call before <see cref="InitializeAsync"/>).</summary>
    public FlowHost StartingAt(DateTimeOffset start)
    {
        Clock = new StudioClock(start);
        return this;
    }

    public async Task InitializeAsync()
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
            ["Flows:Engine:Enabled"] = "false",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSingleton<TimeProvider>(Clock);
        services.AddStudioData(DataFolder);
        services.AddSendPipeline(configuration);
        services.AddFlowEngine(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await DatabaseMigrator.MigrateAsync(Db);
        await CampaignTestBuilder.SenderAsync(Services.GetRequiredService<SenderIdentityStore>());
    }

    /// <summary>Engine passes until one finds nothing to do.</summary>
    public async Task<int> RunEngineAsync()
    {
        var total = 0;
        for (var i = 0; i < 1_000; i++)
        {
            var work = await Engine.RunOnceAsync(CancellationToken.None);
            if (work == 0)
            {
                return total;
            }

            total += work;
        }

        throw new InvalidOperationException("The engine kept finding work after 1,000 passes.");
    }

    /// <summary>Send passes until nothing is left to send.</summary>
    public async Task SendAllAsync()
    {
        for (var i = 0; i < 1_000 && await Sender.RunOnceAsync(CancellationToken.None); i++)
        {
        }
    }

    public async Task DisposeAsync()
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
