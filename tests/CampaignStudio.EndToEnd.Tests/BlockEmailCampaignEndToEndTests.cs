using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Issue 16's "done means" in a real browser: a marketer builds an e-mail in the block editor by clicking (header with a
/// logo from the image library, heading, text, product grid, button, footer), previews it at phone width as a customer with
/// recommendations, and sends it through the campaign wizard to a real SMTP server (aiosmtpd). The received mail names the
/// recommended products, its pictures answer 200, its product links are tracked (302 to the product, a click recorded) and
/// its text part lists the products.
/// </summary>
public sealed class BlockEmailCampaignEndToEndTests(BlockEmailCampaignEndToEndTests.Studio studio) : IClassFixture<BlockEmailCampaignEndToEndTests.Studio>
{
    private const int Recipients = 4;
    private const string TemplateName = "Spring picks — blocks";
    private const string ShopLink = "https://shop.example.com/spring?from=mail";

    public sealed class Studio : SmtpStudioFixture;

    [Fact]
    public async Task AMarketerBuildsABlockEmailWithAProductGridAndSendsItThroughTheWizard()
    {
        var app = studio.Browser.App;
        var services = app.Services;
        var build = new CampaignTestBuilder(services);
        var baseUrl = studio.Browser.BaseUrl.TrimEnd('/');
        await CampaignTestBuilder.SenderAsync(services.GetRequiredService<SenderIdentityStore>(), baseUrl);

        // Pictures through the image library's API, as a shop's script would: a logo and one picture per product.
        using var api = new HttpClient { BaseAddress = new Uri(baseUrl) };
        api.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));
        var logo = await UploadAsync(api, TestPng.Solid(160, 48, 0x00, 0x79, 0x6b));
        var sockPicture = await UploadAsync(api, TestPng.Solid(120, 120, 0xc6, 0x28, 0x28));
        var tentPicture = await UploadAsync(api, TestPng.Solid(120, 120, 0x15, 0x65, 0xc0));
        var recipients = await CatalogueAndPurchasesAsync(build, baseUrl + sockPicture, baseUrl + tentPicture);
        await build.SegmentAsync("Trail shoe buyers", recipients);

        // The marketer clears the starter blocks and builds the e-mail by clicking.
        var page = await studio.Browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/campaigns/templates/new");
        await page.Locator("[data-testid=block-editor]").WaitForAsync();
        await Field(page, "template-name").FillAsync(TemplateName);
        while (await page.Locator("[data-testid=block-remove]").CountAsync() > 0)
        {
            var count = await page.Locator("[data-testid=block-remove]").CountAsync();
            await page.Locator("[data-testid=block-remove]").First.ClickAsync();
            await page.WaitForFunctionAsync("n => document.querySelectorAll('[data-testid=block-remove]').length === n - 1", count);
        }

        await page.Locator("[data-testid=blocks-empty]").WaitForAsync();
        foreach (var (kind, i) in new[] { "header", "heading", "text", "products", "button", "footer" }.Select((k, i) => (k, i)))
        {
            await page.ClickAsync("[data-testid=add-block] button");
            await page.ClickAsync($"[data-testid=add-{kind}]");
            await page.WaitForFunctionAsync("n => document.querySelectorAll('[data-testid=block-kind]').length === n", i + 1);
        }

        (await page.Locator("[data-testid=block-kind]").AllTextContentsAsync()).Select(t => t[(t.IndexOf(' ', StringComparison.Ordinal) + 1)..])
            .ShouldBe(["Header with logo", "Heading", "Text", "Product grid", "Button", "Footer"]);

        // The logo from the library; the texts; the button's link.
        await page.Locator("[data-testid=image-library-pick] button").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-menu-item, .mud-popover-open .mud-list-item").Filter(new() { Has = page.Locator($"img[src='{logo}']") }).ClickAsync();
        await WaitForPreviewAsync(page, baseUrl + logo);
        await Field(page, "heading-text").FillAsync("Spring picks for {{ customer.first_name | default: \"you\" }}");
        await page.Locator("textarea[data-testid=text-block], [data-testid=text-block] textarea").First.FillAsync("Fresh from the trail: three things that go with your shoes.");
        await Field(page, "button-url").FillAsync(ShopLink);
        await WaitForPreviewAsync(page, "Fresh from the trail");
        await WaitForPreviewAsync(page, "spring?from=mail");

        // The preview as a customer with recommendations, at phone width.
        await Field(page, "preview-customer-search").FillAsync("trail0@");
        await WaitForPreviewAsync(page, "Spring picks for Tessa0");
        await WaitForPreviewAsync(page, "Merino hiking socks");
        (await page.Locator("[data-testid=block-problems]").CountAsync()).ShouldBe(0);
        (await page.Locator("[data-testid=field-warning]").CountAsync()).ShouldBe(0);
        await page.Locator("[data-testid=preview-width]").GetByText("Phone").ClickAsync();
        var phone = page.Locator("iframe.mail-preview-phone");
        await phone.WaitForAsync();
        (await phone.BoundingBoxAsync())!.Width.ShouldBeLessThanOrEqualTo(380, "the phone preview is a phone's width");
        await page.FrameLocator("iframe.mail-preview-phone").Locator("img[src$='" + sockPicture + "']").WaitForAsync();
        (await page.FrameLocator("iframe.mail-preview-phone").Locator("html").EvaluateAsync<int>("e => e.scrollWidth")).ShouldBeLessThanOrEqualTo(380, "no sideways scrolling in the phone preview");

        // A full-page screenshot leaves sandboxed frames blank: the phone preview on its own shows the mail.
        await phone.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "85-block-email-phone-preview.png") });
        await BrowserFixture.ScreenshotAsync(page, "86-block-email-editor-built");
        await page.ClickAsync("[data-testid=save-template]");
        await page.WaitForURLAsync(new Regex(@"/campaigns/templates/\d+$"));
        await page.Locator("[data-testid=template-message]").WaitForAsync();
        (await page.TextContentAsync("[data-testid=template-message]"))!.ShouldStartWith("Saved");

        // The wizard: audience → (no experiment) → the block template → now → review → launch.
        await BrowserFixture.OpenAsync(page, "/campaigns/new");
        await Field(page, "campaign-name").FillAsync("Spring picks");
        await page.ClickAsync("[data-testid=campaign-segment]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Trail shoe buyers" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=campaign-template]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = TemplateName }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.WaitForSelectorAsync("[data-testid=launch-campaign]:not([disabled])");
        (await page.Locator("[data-testid=kpi-will-be-mailed]").TextContentAsync()).ShouldBe(Recipients.ToString(CultureInfo.InvariantCulture));
        await BrowserFixture.ScreenshotAsync(page, "87-block-email-wizard-review");
        await page.ClickAsync("[data-testid=launch-campaign]");
        await page.WaitForFunctionAsync("() => /^\\/campaigns\\/\\d+$/.test(location.pathname)");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=count-sent]')?.textContent === '{Recipients}'", null, new() { Timeout = 60_000 });
        var campaignId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        // The received mail.
        var mail = studio.Smtp.MessagesOf(campaignId);
        mail.Count.ShouldBe(Recipients);
        var tessa = mail.Single(m => m.To.Mailboxes.Single().Address == "trail0@example.com");
        var html = tessa.HtmlBody!;
        html.ShouldContain("Spring picks for Tessa0");
        html.ShouldContain("Merino hiking socks");
        html.ShouldContain("Ultralight two-person tent");
        html.ShouldNotContain("{{", customMessage: "no Liquid left in the sent mail");
        html.ShouldNotContain("⟦", customMessage: "no compiler markers left in the sent mail");

        // Every picture answers 200 from the studio, without signing in (a mail program fetches it).
        var images = Regex.Matches(html, "<img[^>]+src=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => !u.Contains("/t/o/", StringComparison.Ordinal)).ToList();
        images.ShouldContain(baseUrl + logo);
        images.ShouldContain(baseUrl + sockPicture);
        images.ShouldContain(baseUrl + tentPicture);
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        foreach (var image in images)
        {
            var response = await anonymous.GetAsync(image);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, image);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png", image);
        }

        // The product links are tracked: each redirects to its product and the click is recorded.
        var links = Regex.Matches(html, "href=\"([^\"]*/t/c/[^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Distinct().ToList();
        links.ShouldNotBeEmpty();
        links.ShouldAllBe(l => l.StartsWith(baseUrl, StringComparison.Ordinal));
        var targets = new List<string>();
        foreach (var link in links)
        {
            var response = await anonymous.GetAsync(link);
            response.StatusCode.ShouldBe(HttpStatusCode.Found, link);
            targets.Add(response.Headers.Location!.ToString());
        }

        targets.ShouldContain("https://shop.example.com/sock-1");
        targets.ShouldContain("https://shop.example.com/tent-1");
        targets.ShouldContain(ShopLink);
        html.ShouldNotContain("href=\"https://shop.example.com/sock-1\"", customMessage: "product links are not left untracked");
        await using (var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var message = await db.Messages.AsNoTracking().SingleAsync(m => m.CampaignId == campaignId && m.CustomerId == recipients[0]);
            message.ClickedAt.ShouldNotBeNull("the click on a product was recorded");
        }

        // The text part lists the products with their (tracked or plain) links.
        var text = tessa.TextBody;
        text.ShouldNotBeNull("the mail has a text/plain part");
        text.ShouldContain("Spring picks for Tessa0");
        text.ShouldContain("- Merino hiking socks");
        text.ShouldContain("- Ultralight two-person tent");
        text.ShouldNotContain("{%");
        tessa.BodyParts.OfType<TextPart>().Select(p => p.ContentType.MimeType).ShouldBe(["text/plain", "text/html"], ignoreOrder: true);
    }

    /// <summary>MudTextField puts the test id on the input itself.</summary>
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    /// <summary>Waits until the preview frame's document holds the text (the editor previews after its debounce).</summary>
    private static Task WaitForPreviewAsync(IPage page, string text) =>
        page.WaitForFunctionAsync("t => document.querySelector('[data-testid=preview-frame]')?.getAttribute('srcdoc')?.includes(t)", text, new() { Timeout = 15_000 });

    private static async Task<string> UploadAsync(HttpClient api, byte[] png)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "file", "picture.png" } };
        var response = await api.PostAsync("/api/assets", form);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Uploaded>())!.Url;
    }

    private sealed record Uploaded(string Name, string Url);

    /// <summary>
    /// Four products (shoe, socks, tent, a sold-out jacket); twenty earlier customers bought the shoe with socks and tent, so
    /// the four recipients — who bought only the shoe — are recommended socks and tent (never the sold-out jacket).
    /// </summary>
    private async Task<List<long>> CatalogueAndPurchasesAsync(CampaignTestBuilder build, string sockImage, string tentImage)
    {
        var services = studio.Browser.App.Services;
        string[] fields = [ImportFields.ProductId, ImportFields.ProductName, ImportFields.Category, ImportFields.Price, ImportFields.SalePrice,
            ImportFields.InStock, ImportFields.ImageUrl, ImportFields.ProductUrl, ImportFields.Currency];
        string[][] rows =
        [
            ["shoe-1", "Trail running shoe", "Shoes", "129.00", "99.00", "yes", "", "https://shop.example.com/shoe-1", "EUR"],
            ["sock-1", "Merino hiking socks", "Clothing", "24.90", "", "yes", sockImage, "https://shop.example.com/sock-1", "EUR"],
            ["tent-1", "Ultralight two-person tent", "Outdoor", "349.00", "299.00", "yes", tentImage, "https://shop.example.com/tent-1", "EUR"],
            ["jacket-1", "Rain jacket", "Clothing", "149.00", "", "no", "", "https://shop.example.com/jacket-1", "EUR"],
        ];
        var dbFactory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var summary = await new CsvImporter(dbFactory, studio.Browser.App.Clock)
            .UpsertAsync(ImportKind.Products, new ImportMapping { Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() }, rows);
        summary.Errors.ShouldBeEmpty();

        var recipients = await build.CustomersAsync("trail", Recipients, optedIn: Recipients, firstName: i => $"Tessa{i}");
        var earlier = await build.CustomersAsync("earlier", 20, optedIn: 0);
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = studio.Browser.App.Clock.GetUtcNow().UtcDateTime;
        void Bought(long customer, string product, decimal amount, int daysAgo) =>
            db.Purchases.Add(new Purchase { CustomerId = customer, Product = product, Amount = amount, PurchasedAt = now.AddDays(-daysAgo), SourceKey = $"{product}-{customer}" });
        foreach (var id in earlier)
        {
            Bought(id, "shoe-1", 99, 30);
            Bought(id, "sock-1", 24.9m, 29);
            Bought(id, "tent-1", 299, 28);
            Bought(id, "jacket-1", 149, 27);
        }

        foreach (var id in recipients)
        {
            Bought(id, "shoe-1", 99, 5);
        }

        await db.SaveChangesAsync();
        return recipients;
    }
}
