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
/// <remarks>
/// Every class gets its own studio and its own browser contexts (cookies, storage), closed when the class is done; the
/// Chromium process behind them is one for the test run, as starting Playwright's driver and Chromium once per class cost
/// the suite that start-up some thirty times over.
/// </remarks>
public class BrowserFixture : IAsyncLifetime
{
    private static readonly Lazy<Task<IBrowser>> SharedBrowser = new(LaunchAsync);

    private readonly List<IBrowserContext> _contexts = [];

    public StudioAppFactory App { get; }

    public BrowserFixture()
        : this(new StudioAppFactory())
    {
    }

    protected BrowserFixture(StudioAppFactory app) => App = app;

    private IBrowser Browser { get; set; } = null!;

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
        Browser = await SharedBrowser.Value;
    }

    private static async Task<IBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });

        // xunit 2 has no assembly fixture: the browser closes when the test process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            browser.CloseAsync().Wait(TimeSpan.FromSeconds(5));
            playwright.Dispose();
        };
        return browser;
    }

    /// <summary>A fresh browser context (its own cookies and storage) of this class, closed with the class.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        return context;
    }

    public async Task<IPage> SignedInPageAsync(string email, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, ColorScheme = scheme });
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
        // Pages left open would keep reconnecting to this class's studio after it stops.
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        await App.DisposeAsync();
    }
}
