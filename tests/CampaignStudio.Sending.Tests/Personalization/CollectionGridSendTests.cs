using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.Sending.Tracking;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Sending.Tests.Personalization;

/// <summary>
/// A block e-mail whose product grid shows a chosen collection (issue 16), sent through the real sender to a real SMTP
/// server: the same in-stock products for everyone, best sellers first, tracked links, and the text part lists them.
/// The shop's coats: parka (bought by 3), anorak (by 1, sold out), cape (never bought), and a kettle in another category.
/// </summary>
public sealed partial class CollectionGridSendTests : IAsyncLifetime
{
    private readonly SqliteSendingHost _host = new();
    private IReadOnlyList<long> _audience = [];

    private IServiceProvider Services => _host.Services;

    private IDbContextFactory<AppDbContext> Db => _host.Db;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var build = new CampaignTestBuilder(Db, _host.Clock);
        _audience = await build.CustomersAsync("audience", 2, optedIn: 2);
        var others = await build.CustomersAsync("shopper", 4, optedIn: 0);
        await CatalogueAsync("parka,Parka,Coats,true", "anorak,Anorak,Coats,false", "cape,Rain cape,Coats,true", "kettle,Kettle,Kitchen,true");
        await using (var db = await Db.CreateDbContextAsync())
        {
            var at = _host.Clock.GetUtcNow().UtcDateTime.AddDays(-10);
            foreach (var (customer, product) in new[] { (others[0], "parka"), (others[1], "parka"), (others[2], "parka"), (others[3], "anorak"), (_audience[0], "kettle") })
            {
                db.Purchases.Add(new Purchase { CustomerId = customer, Product = product, Amount = 10, PurchasedAt = at, SourceKey = $"{customer}-{product}" });
            }

            await db.SaveChangesAsync();
        }

        await Services.GetRequiredService<ProductModels>().RetrainAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task EveryoneGetsTheSameInStockProductsOfTheCategoryWithTrackedLinksAndATextPart()
    {
        var email = BlockCompiler.Compile(new BlockDocument
        {
            Blocks = [new HeadingBlock { Text = "New coats" }, new ProductGridBlock { Source = ProductSource.Category, Category = "coats", Count = 3, Heading = "Coats for autumn" }],
        }, BrandStyle.Default, "https://studio.example.com");
        email.Problems.ShouldBeEmpty();
        var build = new CampaignTestBuilder(Db, _host.Clock);
        var segment = await build.SegmentAsync("Coats", [.. _audience]);
        var templateId = await build.TemplateAsync("Coats", html: email.Html);
        await using (var db = await Db.CreateDbContextAsync())
        {
            await db.EmailTemplates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.TextBody, email.Text));
        }

        var campaignId = await build.ScheduledCampaignAsync("Coats", segment, templateId);
        await SendPasses.DrainAsync(Services, campaignId);

        var messages = _host.Smtp.MessagesOf(campaignId);
        messages.Count.ShouldBe(2);
        var clicks = await Services.GetRequiredService<ClickKeyStore>().GetAsync();
        var tracked = messages.Select(m => TrackLinks().Matches(m.HtmlBody!).Select(match =>
        {
            clicks.TryRead(match.Groups[1].Value, out _, out var url).ShouldBeTrue();
            return url;
        }).Where(u => u!.StartsWith("https://shop.example.com/p/", StringComparison.Ordinal)).Distinct().ToList()).ToList();

        // Best seller first, the never-bought cape after it; the sold-out anorak and the other category never.
        tracked[0].ShouldBe(["https://shop.example.com/p/parka", "https://shop.example.com/p/cape"]);
        tracked[1].ShouldBe(tracked[0]);
        foreach (var message in messages)
        {
            var html = message.HtmlBody ?? "";
            var text = message.TextBody ?? "";
            html.ShouldContain("Coats for autumn");
            html.ShouldNotContain("Anorak");
            html.ShouldNotContain("Kettle");
            html.ShouldNotContain("href=\"https://shop.example.com/p/");
            text.ShouldContain("- Parka");
            text.ShouldContain("- Rain cape");
            text.ShouldNotContain("Anorak");
        }
    }

    [Fact]
    public async Task ACollectionIsReadOncePerBatchAndEmptyOrUnknownOnesSayWhy()
    {
        var lists = Services.GetRequiredService<RecommendationLists>();
        var catalogue = await lists.CatalogueAsync(CancellationToken.None);

        var read = await lists.CollectionsAsync(["category:Coats", "brand:None", "nonsense", "category:Coats"], CancellationToken.None);

        read.Keys.ShouldBe(["category:Coats", "brand:None"], ignoreOrder: true);
        read["category:Coats"].Select(p => p.Id).ShouldBe(["parka", "cape"]);
        read["brand:None"].ShouldBeEmpty();
        ProductCollections.Problem(ProductCollection.Category("Coatz")!, catalogue)
            .ShouldBe("No product in the catalogue has the category “Coatz”, so the product grid shows nothing — did you mean “Coats”?");
        ProductCollections.Problem(ProductCollection.Products(["anorak"])!, catalogue)
            .ShouldBe("Of the 1 hand-picked product, none can show — out of stock now: anorak.");
        ProductCollections.Problem(ProductCollection.Category("coats")!, catalogue).ShouldBeNull();
        ProductCollections.Problem(ProductCollection.Category("Coats")!, CatalogueSnapshot.Empty).ShouldNotBeNull().ShouldContain("no product catalogue yet");
    }

    /// <summary>Upserts catalogue rows (id,name,category,in stock) through the import's own path, with a link each.</summary>
    private async Task CatalogueAsync(params string[] rows)
    {
        string[] fields = [ImportFields.ProductId, ImportFields.ProductName, ImportFields.Category, ImportFields.InStock, ImportFields.ProductUrl];
        var mapping = new ImportMapping { Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() };
        var summary = await new CsvImporter(Db, _host.Clock).UpsertAsync(ImportKind.Products, mapping,
            rows.Select(r => (string[])[.. r.Split(','), $"https://shop.example.com/p/{r.Split(',')[0]}"]).ToList());
        summary.Errors.ShouldBeEmpty();
        Services.GetRequiredService<ProductCatalogue>().Invalidate();
    }

    [GeneratedRegex("href=\"https://studio.example.com/t/c/([^\"]+)\"")]
    private static partial Regex TrackLinks();
}
