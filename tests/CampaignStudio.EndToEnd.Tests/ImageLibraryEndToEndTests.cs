using System.Net;
using CampaignStudio.Data.Assets;
using CampaignStudio.Data.Settings;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Assets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The image library screen (issue 16): the empty library; an upload through the page and a refused non-picture; many
/// pictures with their sizes and where they are used; copying an address for mail; deleting an unused picture (a used one
/// cannot be); the library in dark mode on a phone and read-only for a manager.
/// </summary>
public sealed class ImageLibraryEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string FileInput = "[data-testid=image-upload] input[type=file], input[type=file]";

    [Fact]
    public async Task AMarketerUploadsFindsCopiesAndDeletesPicturesButNotOneInUse()
    {
        var services = browser.App.Services;
        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>(), browser.BaseUrl);
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/images");
        await page.Locator("[data-testid=images-empty]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "images-empty");

        // A file that only claims to be a picture is refused with the reason; a real one appears with its size.
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, FileInput, new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = "<svg onload=alert(1)>"u8.ToArray() });
        await page.Locator("[data-testid=image-problem]", new() { HasText = "not a PNG, JPEG, GIF or WebP" }).WaitForAsync();
        var logo = TestPng.Solid(320, 96, 0x3f, 0x51, 0xb5);
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, FileInput, new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = logo });
        await page.Locator("[data-testid=image-card]").First.WaitForAsync();
        (await page.TextContentAsync("[data-testid=image-total]"))!.ShouldStartWith("1 picture");

        // Many pictures (wide, tall, tiny), one used by a template.
        var assets = services.GetRequiredService<IImageStore>();
        var stored = new List<ImageAsset>();
        for (var i = 0; i < 13; i++)
        {
            var (w, h) = (i % 3) switch { 0 => (600, 200), 1 => (120, 480), _ => (24, 24) };
            stored.Add(await assets.SaveAsync(TestPng.Solid(w, h, (byte)(20 * i), (byte)(255 - 15 * i), 0x80), "png", CancellationToken.None));
        }

        var used = stored[0];
        await new CampaignTestBuilder(services).TemplateAsync("Spring newsletter with a very long name for the library card to cut short",
            html: $"""<html><body><img src="{browser.BaseUrl}{used.Url}" alt="Spring"></body></html>""");
        await BrowserFixture.OpenAsync(page, "/images");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=image-card]').length === 14");
        var usedCard = page.Locator($"[data-testid=image-card][data-name='{used.Name}']");
        (await usedCard.Locator("[data-testid=image-used-by]").TextContentAsync())!.ShouldContain("Spring newsletter");
        (await usedCard.Locator("[data-testid=delete-image]").IsDisabledAsync()).ShouldBeTrue("a picture a template shows cannot be deleted");
        await BrowserFixture.ScreenshotAsync(page, "images-many");

        // The address for mail: the studio's public address and the picture's path.
        var unused = stored[1];
        var unusedCard = page.Locator($"[data-testid=image-card][data-name='{unused.Name}']");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await unusedCard.Locator("[data-testid=copy-url]").ClickAsync();
        await page.GetByText("Address copied.").WaitForAsync();
        (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(browser.BaseUrl.TrimEnd('/') + unused.Url);

        // Deleting an unused picture asks first, then it is gone from the page and from its address.
        await unusedCard.Locator("[data-testid=delete-image]").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=image-card]').length === 13");
        using var anonymous = new HttpClient();
        (await anonymous.GetAsync(browser.BaseUrl.TrimEnd('/') + unused.Url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync(browser.BaseUrl.TrimEnd('/') + used.Url)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var dark = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, "/images");
        await dark.Locator("[data-testid=image-card]").First.WaitForAsync();
        (await dark.Locator("[data-testid=upload-image]").CountAsync()).ShouldBe(0, "a manager looks at the library and changes nothing");
        (await dark.Locator("[data-testid=delete-image]").CountAsync()).ShouldBe(0);
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, "the library fits a phone");
        await BrowserFixture.ScreenshotAsync(dark, "images-dark-375");
    }
}
