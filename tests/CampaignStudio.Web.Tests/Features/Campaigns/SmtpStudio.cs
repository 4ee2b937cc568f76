using System.Globalization;
using CampaignStudio.Data.Settings;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// The studio with SMTP to a real server (aiosmtpd), a sender identity, and the background send worker off, so each test
/// drives launch and send passes itself; on a SQLite file or on PostgreSQL.
/// </summary>
public abstract class SmtpStudio : IAsyncLifetime
{
    public SmtpServerFixture Smtp { get; } = new();

    public abstract StudioAppFactory App { get; }

    public virtual async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        foreach (var (key, value) in new Dictionary<string, string?>
                 {
                     ["Mail:Transport"] = "Smtp",
                     ["Mail:Smtp:Host"] = "127.0.0.1",
                     ["Mail:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
                     ["Mail:Smtp:Security"] = "None",
                     ["Mail:Smtp:Connections"] = "2",
                     ["Mail:Send:RetryBaseDelay"] = "00:00:00.050",
                     ["Mail:Send:MaxAttempts"] = "4",
                     ["Campaigns:Worker:Enabled"] = "false",
                 })
        {
            App.Settings[key] = value;
        }

        _ = App.Services;
        await CampaignTestBuilder.SenderAsync(App.Services.GetRequiredService<SenderIdentityStore>());
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed class SqliteSmtpStudio : SmtpStudio
{
    public override StudioAppFactory App { get; } = new();
}

public sealed class PostgresSmtpStudio : SmtpStudio
{
    private readonly PostgresStudioAppFactory _app = new();

    public override StudioAppFactory App => _app;

    public override async Task InitializeAsync()
    {
        await _app.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
