using CampaignStudio.Data.Identity;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using CampaignStudio.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.TestSupport.Web;

/// <summary>
/// The real studio host on a real SQLite file in its own temp folder, with the three demo users
/// (admin@, marketer@, manager@demo.local) and no demo shop unless asked.
/// </summary>
public class StudioAppFactory : WebApplicationFactory<Program>
{
    public const string Password = "Test-Password-2026!";

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "cs-web-" + Guid.NewGuid().ToString("N"));

    protected virtual int DemoCustomers => 0;

    private StudioClock? _clock;

    /// <summary>
    /// The studio's clock: it starts on the same fixed day for every host (<see cref="StudioClock.DefaultStart"/>), so no test
    /// depends on the day it runs (the demo shop, lifetime fits and "purchases after the send" are relative to "now"), and
    /// runs at the real pace; a test may move it. Tests read "now" here, never from the system clock.
    /// </summary>
    public StudioClock Clock => LazyInitializer.EnsureInitialized(ref _clock, () => new StudioClock());

    /// <summary>Runs this host on another's clock, as servers behind one load balancer share the time (before the host starts).</summary>
    public void UseClock(StudioClock clock) => _clock = clock;

    /// <summary>Extra configuration, e.g. a PostgreSQL connection (see <see cref="PostgresStudioAppFactory"/>).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:DataFolder"] = DataFolder,
            ["Demo:Seed"] = DemoCustomers > 0 ? "true" : "false",
            ["Demo:Customers"] = DemoCustomers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Demo:Users"] = "true",
            ["Demo:Password"] = Password,
            ["Logging:LogLevel:Default"] = "Warning",

            // Tests move the clock by days: rounds run when a test asks (or runs the round worker's pass), not behind its back.
            ["Campaigns:Worker:RunAdaptiveRounds"] = "false",
            ["Campaigns:Worker:RunWinnerRollouts"] = "false",

            // Endpoints registered by tests name addresses nobody listens on: deliveries run when a test runs a pass.
            ["Campaigns:Worker:DeliverWebhooks"] = "false",
        }).AddInMemoryCollection(Settings));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);

            // The sign-in cookie's expiry is read by the client (HttpClient, Chromium) on the real clock: stamped from the
            // fixed day, a persistent cookie arrives already expired and the client drops it, so sign-in cookies keep real time.
            services.PostConfigureAll<CookieAuthenticationOptions>(options => options.TimeProvider = TimeProvider.System);
        });
    }

    /// <summary>A client that signs in through the real form post and keeps the cookie.</summary>
    public async Task<HttpClient> SignedInClientAsync(string email)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken(login);
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = Password,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        }));
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/");
        return client;
    }

    /// <summary>Creates an API key for a demo user the way the settings page does.</summary>
    public async Task<string> ApiKeyForAsync(string email)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException(email);
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(user);
        scope.ServiceProvider.GetRequiredService<CampaignStudio.Web.Infrastructure.CurrentUser>().Use(principal);
        return await scope.ServiceProvider.GetRequiredService<CampaignStudio.Web.Features.Settings.SettingsService>().CreateKeyAsync("test");
    }

    public static string AntiforgeryToken(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        if (!match.Success)
        {
            match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        }

        match.Success.ShouldBeTrue("the page has an antiforgery token");
        return System.Net.WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // Temp leftovers are harmless.
        }
    }
}
