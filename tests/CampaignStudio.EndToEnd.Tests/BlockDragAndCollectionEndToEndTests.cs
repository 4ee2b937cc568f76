using System.Net.Http.Json;
using CampaignStudio.Data.Settings;
using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Issue 16's last two parts of the block editor in a real browser: a block dragged by its handle lands where the line
/// showed (and the preview follows), and a product grid shows a category chosen from the catalogue — the same in-stock
/// products for everyone — with the source picker, the phone preview and dark mode looked at.
/// </summary>
public sealed class BlockDragAndCollectionEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerDragsABlockAndShowsACategoryInTheProductGrid()
    {
        await browser.App.Services.GetRequiredService<SenderIdentityStore>().SaveAsync(
            new SenderIdentity("Demo Shop", "news@shop.example", null, "Demo Shop, 1 Main Street, 10115 Berlin", browser.BaseUrl));
        using (var api = new HttpClient { BaseAddress = new Uri(browser.BaseUrl) })
        {
            api.DefaultRequestHeaders.Add("X-Api-Key", await browser.App.ApiKeyForAsync("marketer@demo.local"));
            (await api.PostAsJsonAsync("/api/products/batch", new
            {
                products = new object[]
                {
                    new { id = "e2e-parka", name = "Storm parka with a hood and a very long name for a small screen", url = "https://shop.example.com/parka", imageUrl = browser.BaseUrl + "/assets/logo.svg", price = 189m, salePrice = 149m, category = "E2E jackets", inStock = true },
                    new { id = "e2e-vest", name = "Down vest", url = "https://shop.example.com/vest", imageUrl = browser.BaseUrl + "/assets/logo.svg", price = 89m, category = "E2E jackets", inStock = true },
                    new { id = "e2e-anorak", name = "Sold-out anorak", url = "https://shop.example.com/anorak", price = 99m, category = "E2E jackets", inStock = false },
                },
            })).EnsureSuccessStatusCode();
        }

        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates/new");
        await page.Locator("[data-testid=block-editor]").WaitForAsync();
        await page.Locator("[data-testid=preview-frame]").WaitForAsync();
        var kinds = page.Locator("[data-testid=block-kind]");
        (await Kinds(page)).ShouldBe(["Header with logo", "Heading", "Text", "Button", "Product grid", "Divider", "Footer"]);

        // Drag the product grid (5th) by its handle onto the heading's title row: it lands above the heading.
        await DragAsync(page, 4, "block-head", 1);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=block-kind]')[1].textContent.includes('Product grid')");
        (await Kinds(page)).ShouldBe(["Header with logo", "Product grid", "Heading", "Text", "Button", "Divider", "Footer"]);
        (await page.Locator(".block-dragging, .drop-above, .drop-below").CountAsync()).ShouldBe(0, "the line goes with the drop");

        // Then the button (5th) onto the divider's settings: below the divider.
        await DragAsync(page, 4, "block-body", 5);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=block-kind]')[5].textContent.includes('Button')");
        (await Kinds(page)).ShouldBe(["Header with logo", "Product grid", "Heading", "Text", "Divider", "Button", "Footer"]);

        // The grid's source: a category picked from the catalogue.
        var grid = page.Locator("[data-testid=block]").Nth(1);
        await grid.Locator("[data-testid=grid-source]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "A category" }).ClickAsync();
        await grid.Locator("[data-testid=collection-status]").WaitForAsync();
        (await grid.Locator("[data-testid=collection-status]").TextContentAsync())!.ShouldContain("Choose a category");
        await grid.Locator("input[data-testid=grid-category], [data-testid=grid-category] input").First.FillAsync("E2E jack");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "E2E jackets" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=collection-status]')?.textContent.includes('Down vest')");
        (await grid.Locator("[data-testid=collection-status]").TextContentAsync())!.ShouldContain("Everyone sees the same 2 products in stock");
        await WaitForPreviewAsync(page, "Down vest");
        var srcdoc = (await page.Locator("[data-testid=preview-frame]").GetAttributeAsync("srcdoc"))!;
        srcdoc.ShouldContain("Storm parka");
        srcdoc.ShouldNotContain("Sold-out anorak");
        srcdoc.IndexOf("Storm parka", StringComparison.Ordinal).ShouldBeLessThan(srcdoc.IndexOf("Hello", StringComparison.Ordinal), "the grid was dragged above the heading");
        await grid.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "88-block-grid-source-category.png") });

        // The line while a block is dragged (the browser's own drag events, held before the drop): the button onto the text's title row.
        await page.EvaluateAsync("() => document.querySelectorAll('[data-testid=block-handle]')[5].dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: new DataTransfer() }))");
        await page.Locator("[data-testid=block].block-dragging").WaitForAsync();
        await page.EvaluateAsync("() => document.querySelectorAll('[data-testid=block-kind]')[3].dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: new DataTransfer() }))");
        await page.Locator("[data-testid=block].drop-above").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "89-block-editor-drop-line");
        await page.EvaluateAsync("() => document.querySelectorAll('[data-testid=block-kind]')[3].dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: new DataTransfer() }))");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=block-kind]')[3].textContent.includes('Button')");

        // The collection grid in the phone preview; then the editor in dark mode on a phone.
        await page.Locator("[data-testid=preview-width]").GetByText("Phone").ClickAsync();
        var phone = page.Locator("iframe.mail-preview-phone");
        await phone.WaitForAsync();
        await page.FrameLocator("iframe.mail-preview-phone").GetByText("Down vest").First.WaitForAsync();
        (await page.FrameLocator("iframe.mail-preview-phone").Locator("html").EvaluateAsync<int>("e => e.scrollWidth")).ShouldBeLessThanOrEqualTo(380);
        await phone.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "90-collection-grid-phone-preview.png") });
        await page.ClickAsync("[data-testid=save-template]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/campaigns/templates/\d+$"));

        var dark = await browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, page.Url.Replace(browser.BaseUrl, "", StringComparison.Ordinal));
        await dark.Locator("[data-testid=collection-status]").WaitForAsync();
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await dark.Locator("[data-testid=block]").Nth(1).ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(dark, "91-block-grid-collection-dark-375");
    }

    /// <summary>
    /// Drags a block by its handle onto another block's title row or settings with the browser's own drag events, waiting
    /// for the editor to show the drag before dropping. (Playwright's DragToAsync fires dragstart, dragover and drop within
    /// a millisecond; in this run the drop then did not move the block — see the report of session 12.)
    /// </summary>
    private static async Task DragAsync(IPage page, int from, string target, int onto)
    {
        await page.EvaluateAsync("i => document.querySelectorAll('[data-testid=block-handle]')[i].dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: new DataTransfer() }))", from);
        await page.Locator("[data-testid=block].block-dragging").WaitForAsync();
        await page.EvaluateAsync("a => document.querySelectorAll(`[data-testid=${a[0]}]`)[a[1]].dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: new DataTransfer() }))", new object[] { target, onto });
        await page.Locator("[data-testid=block].drop-above, [data-testid=block].drop-below").WaitForAsync();
        await page.EvaluateAsync("a => document.querySelectorAll(`[data-testid=${a[0]}]`)[a[1]].dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: new DataTransfer() }))", new object[] { target, onto });
        await page.Locator("[data-testid=block].block-dragging").WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    private static async Task<List<string>> Kinds(IPage page) =>
        [.. (await page.Locator("[data-testid=block-kind]").AllTextContentsAsync()).Select(t => t[(t.IndexOf(' ', StringComparison.Ordinal) + 1)..])];

    private static Task WaitForPreviewAsync(IPage page, string text) =>
        page.WaitForFunctionAsync("t => document.querySelector('[data-testid=preview-frame]')?.getAttribute('srcdoc')?.includes(t)", text, new() { Timeout = 15_000 });
}
