using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// The block editor in a real browser: a marketer builds an e-mail from blocks, moves one, previews it at phone width and
/// saves it; the brand tab; and a block e-mail itself in Chromium at 640 and 375 pixels, which must not scroll sideways.
/// </summary>
public sealed class BlockEditorEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMarketerBuildsAnEmailFromBlocksPreviewsItOnAPhoneAndSavesIt()
    {
        await browser.App.Services.GetRequiredService<SenderIdentityStore>().SaveAsync(
            new SenderIdentity("Demo Shop", "news@shop.example", null, "Demo Shop, 1 Main Street, 10115 Berlin", browser.BaseUrl));
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates/new");
        await page.Locator("[data-testid=block-editor]").WaitForAsync();
        await page.Locator("input[data-testid=template-name], [data-testid=template-name] input").First.FillAsync("Spring picks for our most loyal customers in every city we deliver to");

        var blocks = page.Locator("[data-testid=block-kind]");
        var before = await blocks.CountAsync();
        await page.ClickAsync("[data-testid=add-block] button");
        await page.ClickAsync("[data-testid=add-discount]");
        await page.WaitForFunctionAsync("n => document.querySelectorAll('[data-testid=block-kind]').length === n", before + 1);
        (await blocks.Nth(before - 1).TextContentAsync())!.ShouldContain("Discount code", Case.Sensitive, "a new block goes above the footer");
        await page.Locator("[data-testid=block-up]").Nth(before - 1).ClickAsync();
        await page.WaitForFunctionAsync("n => document.querySelectorAll('[data-testid=block-kind]')[n].textContent.includes('Discount code')", before - 2);

        await page.Locator("[data-testid=preview-frame]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "80-template-block-editor");
        await page.Locator("[data-testid=preview-width]").GetByText("Phone").ClickAsync();
        await page.Locator("iframe.mail-preview-phone").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "81-template-block-editor-phone-preview");

        await page.ClickAsync("[data-testid=save-template]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/campaigns/templates/\d+$"));
        await page.Locator("[data-testid=template-message]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=template-message]"))!.ShouldStartWith("Saved");

        var dark = await browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await dark.SetViewportSizeAsync(375, 800);
        await BrowserFixture.OpenAsync(dark, page.Url.Replace(browser.BaseUrl, "", StringComparison.Ordinal));
        await dark.Locator("[data-testid=block-editor]").WaitForAsync();
        await dark.Locator("[data-testid=preview-frame]").WaitForAsync();
        (await dark.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await BrowserFixture.ScreenshotAsync(dark, "82-template-block-editor-dark-375");

        await BrowserFixture.OpenAsync(dark, "/settings");
        await dark.GetByRole(AriaRole.Tab, new() { Name = "Brand" }).ClickAsync();
        await dark.Locator("[data-testid=brand-sample]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(dark, "83-settings-brand-dark-375");
    }

    [Theory]
    [InlineData(640)]
    [InlineData(375)]
    public async Task ABlockEmailFitsTheScreenInChromium(int width)
    {
        var logo = browser.BaseUrl + "/assets/logo.svg";
        var document = BlockDocument.Starter();
        document.Blocks[0] = new HeaderBlock { LogoUrl = logo, LogoWidth = 64, ShopName = "Demo Shop", Link = "https://shop.example.com/" };
        document.Blocks.Insert(4, new DiscountCodeBlock { Code = "SPRING-2026-LONGCODE" });
        document.Blocks.Insert(1, new HeroImageBlock { ImageUrl = logo, AltText = "Spring collection" });
        var email = BlockCompiler.Compile(document, BrandStyle.Default with { PrimaryColor = "#00796b" }, browser.BaseUrl);
        email.Problems.ShouldBeEmpty();
        var renderer = new TemplateRenderer();
        var compiled = renderer.Compile(new TemplateSource("Hi", null, email.Html, email.Text));
        compiled.Errors.ShouldBeEmpty();
        var recipient = new RecipientData(1, "ada@example.com", "Ada", TopCategory: "Outdoor", Recommendations:
        [
            new ProductRecommendation("Trail running shoe with a very long product name", "Shoes", "https://shop.example.com/p/1"),
            new ProductRecommendation("Merino socks", "Textiles", "https://shop.example.com/p/2"),
            new ProductRecommendation("Rain jacket", "Outdoor", "https://shop.example.com/p/3"),
        ]);
        var message = renderer.Render(compiled.Template!, recipient, new CampaignData(1, "Spring"),
            new MessageFooter("https://studio.example/unsubscribe/preview", "Demo Shop GmbH\nHauptstraße 1\n10115 Berlin"));

        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.SetContentAsync(message.Html, new PageSetContentOptions { WaitUntil = WaitUntilState.Load });

        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(width, "no sideways scrolling");
        var container = await page.Locator(".cs-container").BoundingBoxAsync();
        container!.Width.ShouldBeLessThanOrEqualTo(600);
        var products = await page.Locator(".cs-product").AllAsync();
        products.Count.ShouldBe(3);
        var tops = await Task.WhenAll(products.Select(async p => (await p.BoundingBoxAsync())!.Y));
        if (width >= 640)
        {
            tops.Distinct().Count().ShouldBe(1, "three products side by side on a wide screen");
        }
        else
        {
            tops.Distinct().Count().ShouldBe(3, "one product per row on a phone");
        }

        (await page.TextContentAsync("body"))!.ShouldContain("Hello Ada!");
        await BrowserFixture.ScreenshotAsync(page, $"84-block-email-{width}");
        await context.CloseAsync();
    }
}
