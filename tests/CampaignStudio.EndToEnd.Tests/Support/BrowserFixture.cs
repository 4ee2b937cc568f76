using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests.Support;

/// <summary>
/// The real studio on Kestrel (a free port on 127.0.0.1) and Debian's Chromium driven by Playwright.
/// Screenshots land in <see cref="ScreenshotFolder"/> so a person can look at what the test saw.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public StudioAppFactory App { get; }

    public BrowserFixture()
        : this(new StudioAppFactory())
    {
    }

    protected BrowserFixture(StudioAppFactory app) => App = app;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("CAMPAIGNSTUDIO_SCREENSHOTS")
        ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        App.UseKestrel(0);
        App.StartServer();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        Directory.CreateDirectory(ScreenshotFolder);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
    }

    public async Task<IPage> SignedInPageAsync(string email, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, ColorScheme = scheme });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", StudioAppFactory.Password);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForSelectorAsync("body[data-interactive=true]");
        return page;
    }

    /// <summary>Opens a page and waits until its Blazor circuit is live (events before that would be lost).</summary>
    public static async Task OpenAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await page.WaitForSelectorAsync("body[data-interactive=true]");
    }

    /// <summary>
    /// Chooses files on a Blazor InputFile once its script has hooked the input: a page reached by in-app navigation is
    /// already marked interactive, and a file set before the hook is lost (seen as a flaky upload that never happened).
    /// </summary>
    public static async Task SetInputFilesWhenReadyAsync(IPage page, string selector, string path)
    {
        await page.WaitForFunctionAsync("s => document.querySelector(s)?._blazorInputFileNextFileId !== undefined", selector);
        await page.SetInputFilesAsync(selector, path);
    }

    /// <inheritdoc cref="SetInputFilesWhenReadyAsync(IPage, string, string)"/>
    public static async Task SetInputFilesWhenReadyAsync(IPage page, string selector, FilePayload file)
    {
        await page.WaitForFunctionAsync("s => document.querySelector(s)?._blazorInputFileNextFileId !== undefined", selector);
        await page.SetInputFilesAsync(selector, file);
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}
