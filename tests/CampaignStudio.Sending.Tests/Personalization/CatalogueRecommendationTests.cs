using System.Net;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.Sending.Tracking;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Sending.Tests.Personalization;

/// <summary>
/// Recommendations from the product catalogue (issue 16), each test on its own SQLite file with the send pipeline's own
/// services, rendered by the real template renderer (and one sent through the real sender to a real SMTP server).
/// The shop: tent buyers also bought sleeping bags (6, but they are sold out) and lanterns (3); socks are what most people
/// buy (24), then a mystery box that is not in the catalogue (15), kettles (8), tents (7), pans (4).
/// </summary>
public sealed partial class CatalogueRecommendationTests : IAsyncLifetime
{
    /// <summary>The block editor's product grid writes exactly these fields; the test adds the rest.</summary>
    private const string ProductGridHtml = """
        <html><body><ul>{% for p in recommendations limit: 3 %}<li data-id="{{ p.id }}"><a href="{{ p.url }}"><img src="{{ p.image }}" alt="{{ p.name }}">{{ p.name }}</a> {% if p.sale_price %}<s>{{ p.price }}</s> {{ p.sale_price }}{% else %}{{ p.price }}{% endif %} {{ p.currency }} {{ p.category }} {{ p.brand }}</li>{% endfor %}</ul></body></html>
        """;

    private readonly SqliteSendingHost _host = new();
    private long _buyer, _viewer, _newcomer;

    private IServiceProvider Services => _host.Services;

    private IDbContextFactory<AppDbContext> Db => _host.Db;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var build = new CampaignTestBuilder(Db, _host.Clock);
        var audience = await build.CustomersAsync("audience", 3, optedIn: 3);
        (_buyer, _viewer, _newcomer) = (audience[0], audience[1], audience[2]);
        var others = await build.CustomersAsync("shopper", 30, optedIn: 0);

        await CatalogueAsync(
            "tent,Tent,Outdoor,,,true",
            "sleeping-bag,Sleeping bag,Outdoor,,,false",
            "lantern,Lantern,Outdoor,25.00,19.90,true",
            "kettle,Kettle,Kitchen,30,,true",
            "pan,Pan,Kitchen,40,,yes",
            "socks,Socks,Clothing,5,,1");
        await PurchasesAsync(_buyer, "tent");
        for (var i = 0; i < 6; i++)
        {
            await PurchasesAsync(others[i], "tent", "sleeping-bag");
        }

        for (var i = 0; i < 3; i++)
        {
            await PurchasesAsync(others[i], "lantern");
        }

        for (var i = 6; i < 30; i++)
        {
            await PurchasesAsync(others[i], [.. new[] { "socks", i < 21 ? "mystery-box" : null, i < 14 ? "kettle" : null, i < 10 ? "pan" : null }.OfType<string>()]);
        }

        await using var db = await Db.CreateDbContextAsync();
        db.CustomerEvents.Add(new CustomerEvent
        {
            CustomerId = _viewer, Type = TrackedEvents.ViewedProduct, OccurredAt = _host.Clock.GetUtcNow().UtcDateTime.AddDays(-1),
            PropertiesJson = """{"product":"pan","price":40}""", SourceKey = "view-1",
        });
        await db.SaveChangesAsync();
        await Services.GetRequiredService<ProductModels>().RetrainAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task ListsCarryTheCatalogueFieldsAndNeverAProductThatIsSoldOutOrNotInTheCatalogue()
    {
        var html = await RenderAsync(_buyer);

        // Without the catalogue the list would be sleeping bag, lantern, socks: the sold-out bag gives its place to the next candidates.
        Names(html).ShouldBe(["Lantern", "Socks", "Kettle"]);
        html.ShouldContain("""<li data-id="lantern"><a href="https://shop.example.com/p/lantern"><img src="https://cdn.example.com/lantern.jpg" alt="Lantern">Lantern</a> <s>25.00</s> 19.90 EUR Outdoor Nordwind</li>""");
        html.ShouldContain("""<li data-id="socks"><a href="https://shop.example.com/p/socks"><img src="https://cdn.example.com/socks.jpg" alt="Socks">Socks</a> 5.00 EUR Clothing Nordwind</li>""");
        html.ShouldNotContain("mystery-box");
    }

    [Fact]
    public async Task ACustomerWithoutPurchasesGetsTheBestSellersOfTheCategoriesOfWhatTheyViewed()
    {
        // Viewed a pan (Kitchen): kettles sell best there, then pans; then the best seller overall.
        Names(await RenderAsync(_viewer)).ShouldBe(["Kettle", "Pan", "Socks"]);
    }

    [Fact]
    public async Task ACustomerWithoutPurchasesOrViewsGetsTheBestSellersInStock()
    {
        // The mystery box sells second best but is not in the catalogue.
        Names(await RenderAsync(_newcomer)).ShouldBe(["Socks", "Kettle", "Tent"]);
    }

    [Fact]
    public async Task AProductThatSellsOutIsLeftOutOfTheNextListWithoutRetraining()
    {
        Names(await RenderAsync(_newcomer)).ShouldContain("Kettle");

        await CatalogueAsync("kettle,Kettle,Kitchen,30,,out of stock");
        Services.GetRequiredService<ProductCatalogue>().Invalidate();

        Names(await RenderAsync(_newcomer)).ShouldBe(["Socks", "Tent", "Pan"]);
    }

    [Fact]
    public async Task ProductLinksInASentMailAreTrackedLikeEveryOtherLink()
    {
        var build = new CampaignTestBuilder(Db, _host.Clock);
        var segment = await build.SegmentAsync("Product grid", [_buyer]);
        var campaignId = await build.ScheduledCampaignAsync("Product grid", segment, await build.TemplateAsync("Product grid", html: ProductGridHtml));

        await SendPasses.DrainAsync(Services, campaignId);

        var html = _host.Smtp.MessagesOf(campaignId).Single().HtmlBody!;
        Names(html).ShouldBe(["Lantern", "Socks", "Kettle"]);
        html.ShouldNotContain("href=\"https://shop.example.com/p/");
        html.ShouldContain("src=\"https://cdn.example.com/lantern.jpg\"");
        // Each product link became a click link whose signed token carries the product's address and this message.
        await using var db = await Db.CreateDbContextAsync();
        var messageId = await db.Messages.Where(m => m.CampaignId == campaignId).Select(m => m.Id).SingleAsync();
        var clicks = await Services.GetRequiredService<ClickKeyStore>().GetAsync();
        var tracked = Regex.Matches(html, "href=\"https://studio.example.com/t/c/([^\"]+)\"").Select(m =>
        {
            clicks.TryRead(m.Groups[1].Value, out var id, out var url).ShouldBeTrue();
            id.ShouldBe(messageId);
            return url;
        }).ToList();
        tracked.ShouldBe(["https://shop.example.com/p/lantern", "https://shop.example.com/p/socks", "https://shop.example.com/p/kettle"]);
    }

    [Fact]
    public void TheLinkRewriterFindsEveryProductLinkOfARenderedList()
    {
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource("Hi", null, ProductGridHtml, null)).Template!;
        var recipient = new RecipientData(1, "a@example.com", Recommendations:
        [
            new ProductRecommendation("A & B", "Toys", "https://shop.example.com/p?id=1&ref=mail") { ImageUrl = "https://cdn.example.com/1.jpg", Price = 9.5m },
            new ProductRecommendation("Without link", "Toys"),
        ]);

        var html = renderer.Render(template, recipient, new CampaignData(1, "C"), new MessageFooter("https://studio.example.com/u/x", "Street 1")).Html;

        LinkTracker.FindLinks(html, "https://studio.example.com/u/x").ShouldBe(["https://shop.example.com/p?id=1&ref=mail"]);
        html.ShouldContain("9.50");
    }

    private async Task<string> RenderAsync(long customerId)
    {
        await using var db = await Db.CreateDbContextAsync();
        var recipients = await RecipientLoader.LoadAsync(db, [customerId], onlyMailable: false, Services.GetRequiredService<RecommendationLists>(), CancellationToken.None);
        var renderer = new TemplateRenderer();
        var template = renderer.Compile(new TemplateSource("Hi", null, ProductGridHtml, null)).Template!;
        return renderer.Render(template, recipients[customerId], new CampaignData(1, "Picks"), new MessageFooter("https://studio.example.com/u/preview", "Street 1")).Html;
    }

    /// <summary>Upserts catalogue rows (id,name,category,price,sale price,in stock) through the import's own path.</summary>
    private async Task CatalogueAsync(params string[] rows)
    {
        string[] fields = [ImportFields.ProductId, ImportFields.ProductName, ImportFields.Category, ImportFields.Price, ImportFields.SalePrice, ImportFields.InStock,
            ImportFields.ProductUrl, ImportFields.ImageUrl, ImportFields.Currency, ImportFields.Brand];
        var mapping = new ImportMapping { Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() };
        var importer = new CsvImporter(Db, _host.Clock);
        var summary = await importer.UpsertAsync(ImportKind.Products, mapping, rows.Select(r =>
        {
            var cells = r.Split(',');
            return (string[])[.. cells, $"https://shop.example.com/p/{cells[0]}", $"https://cdn.example.com/{cells[0]}.jpg", "EUR", "Nordwind"];
        }).ToList());
        summary.Errors.ShouldBeEmpty();
    }

    private async Task PurchasesAsync(long customerId, params string[] products)
    {
        await using var db = await Db.CreateDbContextAsync();
        var at = _host.Clock.GetUtcNow().UtcDateTime.AddDays(-30);
        foreach (var product in products)
        {
            at = at.AddDays(1);
            db.Purchases.Add(new Purchase { CustomerId = customerId, Product = product, Amount = 10, PurchasedAt = at, SourceKey = $"{customerId}-{product}" });
        }

        await db.SaveChangesAsync();
    }

    private static List<string> Names(string html) => [.. NamePattern().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    [GeneratedRegex("""<img [^>]*>([^<]*)</a>""")]
    private static partial Regex NamePattern();
}
