using System.Globalization;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace CampaignStudio.EndToEnd.Tests.Support;

/// <summary>
/// The studio on Kestrel sending through a real SMTP server (aiosmtpd on a free loopback port), its send worker polling every
/// 200 ms, and Chromium; a test class adds its own settings through <see cref="Settings"/>.
/// </summary>
public class SmtpStudioFixture : IAsyncLifetime
{
    public SmtpServerFixture Smtp { get; } = new();

    public BrowserFixture Browser { get; private set; } = null!;

    /// <summary>Configuration on top of the SMTP settings (e.g. the flow engine's poll interval).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        Browser = new SmtpBrowser(new SmtpStudio(Smtp.Port, Settings));
        await Browser.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    private sealed class SmtpBrowser(StudioAppFactory app) : BrowserFixture(app);

    private sealed class SmtpStudio(int port, IReadOnlyDictionary<string, string?> settings) : StudioAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mail:Transport"] = "Smtp",
                ["Mail:Smtp:Host"] = "127.0.0.1",
                ["Mail:Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
                ["Mail:Smtp:Security"] = "None",
                ["Mail:Smtp:Connections"] = "2",
                ["Campaigns:Worker:PollInterval"] = "00:00:00.200",
            }).AddInMemoryCollection(settings));
        }
    }
}
