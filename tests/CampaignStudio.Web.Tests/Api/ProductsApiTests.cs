using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>The product catalogue through the API (issue 16): upsert with a per-item answer, paging and search, one product with its sales, roles, the CSV import.</summary>
public sealed class ProductsApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    [Fact]
    public async Task ABatchUpsertsByProductIdAndAnswersPerItem()
    {
        var client = await ClientAsync("marketer@demo.local");

        var first = await client.PostAsJsonAsync("/api/products/batch", new
        {
            products = new object[]
            {
                new { id = "api-boot", name = "Hiking boot", url = "https://shop.example.com/boot", imageUrl = "https://cdn.example.com/boot.jpg", price = 120m, salePrice = 99.5m, category = "api-shoes", brand = "Alp", inStock = true, attributes = new Dictionary<string, string> { ["Colour"] = "brown" } },
                new { id = "api-sock", name = "Wool sock", price = 9m, category = "api-shoes" },
                new { id = "", name = "No id" },
                new { id = "api-bad", name = "Bad link", url = "ftp://shop.example.com/x" },
                new { id = "api-boot", name = "Again" },
            },
        });
        var second = await client.PostAsJsonAsync("/api/products/batch", new { products = new object[] { new { id = "api-sock", name = "Wool sock", price = 8m, inStock = false } } });

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = (await first.Content.ReadFromJsonAsync<BatchAnswer>())!;
        (answer.Inserted, answer.Updated).ShouldBe((2L, 0L));
        answer.Errors.Select(e => e.Item).ShouldBe([3, 4, 5]);
        answer.Errors[0].Reason.ShouldBe("product id is empty");
        answer.Errors[1].Reason.ShouldContain("not an absolute http(s) URL");
        answer.Errors[2].Reason.ShouldContain("duplicate of item 1");
        (await second.Content.ReadFromJsonAsync<BatchAnswer>())!.Updated.ShouldBe(1);

        var boot = (await client.GetFromJsonAsync<ProductDto>("/api/products/api-boot"))!;
        (boot.Name, boot.Url, boot.ImageUrl, boot.Price, boot.SalePrice, boot.Brand, boot.InStock).ShouldBe(
            ("Hiking boot", "https://shop.example.com/boot", "https://cdn.example.com/boot.jpg", 120m, 99.5m, "Alp", true));
        boot.Attributes["colour"].ShouldBe("brown");
        (await client.GetFromJsonAsync<ProductDto>("/api/products/api-sock"))!.InStock.ShouldBeFalse();
        (await client.GetAsync("/api/products/api-none")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListsPageSearchAndFilterByStock()
    {
        var client = await ClientAsync("admin@demo.local");
        var products = Enumerable.Range(0, 30).Select(i => new { id = $"list-{i:D2}", name = $"Listed lamp {i:D2}", inStock = i % 3 != 0 }).ToArray();
        (await client.PostAsJsonAsync("/api/products/batch", new { products })).EnsureSuccessStatusCode();

        var page = (await client.GetFromJsonAsync<ProductListDto>("/api/products?search=listed%20LAMP&pageSize=25&page=1"))!;
        var inStock = (await client.GetFromJsonAsync<ProductListDto>("/api/products?search=listed&inStock=true&pageSize=100"))!;
        var exact = (await client.GetFromJsonAsync<ProductListDto>("/api/products?search=list-07"))!;

        page.Total.ShouldBe(30);
        page.Items.Select(p => p.Id).ShouldBe(["list-25", "list-26", "list-27", "list-28", "list-29"]);
        inStock.Total.ShouldBe(20);
        inStock.Items.ShouldAllBe(p => p.InStock);
        exact.Items.Single().Name.ShouldBe("Listed lamp 07");
    }

    [Fact]
    public async Task AProductShowsItsBuyersRevenueAndWhatWasBoughtWithItAndUnknownIdsAreNotInTheCatalogue()
    {
        var client = await ClientAsync("marketer@demo.local");
        (await client.PostAsJsonAsync("/api/products/batch", new { products = new object[] { new { id = "pair-tent", name = "Tent" }, new { id = "pair-mat", name = "Mat" } } }))
            .EnsureSuccessStatusCode();
        var purchases = Enumerable.Range(0, 12).SelectMany(i => new object[]
        {
            new { customerEmail = $"pair{i}@example.com", orderId = $"pair-{i}-a", amount = 100m, product = "pair-tent", purchasedAt = "2026-05-01T10:00:00Z" },
            new { customerEmail = $"pair{i}@example.com", orderId = $"pair-{i}-b", amount = 20m, product = i < 11 ? "pair-mat" : "pair-unknown", purchasedAt = "2026-05-02T10:00:00Z" },
        }).ToArray();
        (await client.PostAsJsonAsync("/api/purchases/batch", new { purchases })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/purchases/batch", new { purchases = Enumerable.Range(0, 13).Select(i => new
        {
            customerEmail = $"pair{i % 10}@example.com", orderId = $"pair-{i}-c", amount = 5m, product = i < 10 ? "pair-unknown" : "pair-rare", purchasedAt = "2026-05-03T10:00:00Z",
        }) })).EnsureSuccessStatusCode();

        var tent = (await client.GetFromJsonAsync<ProductDto>("/api/products/pair-tent"))!;
        var mat = (await client.GetFromJsonAsync<ProductDto>("/api/products/pair-mat"))!;

        (tent.Buyers, tent.Orders, tent.Revenue, tent.MinGroupSize).ShouldBe((12, 12, 1200m, 10));
        tent.BoughtTogether.Select(b => (b.Id, b.InCatalogue, b.Buyers)).ShouldBe([("pair-mat", true, 11), ("pair-unknown", false, 11)]);

        // The rare product was bought by 3 of these buyers, fewer than k = 10: left out. The unknown id by 10 of the mat's 11 buyers: shown.
        mat.Buyers.ShouldBe(11);
        mat.BoughtTogether.Select(b => b.Id).ShouldBe(["pair-tent", "pair-unknown"]);
    }

    [Fact]
    public async Task ManagersReadTheCatalogueButCannotChangeIt()
    {
        var manager = await ClientAsync("manager@demo.local");

        (await manager.GetAsync("/api/products")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await manager.PostAsJsonAsync("/api/products/batch", new { products = new[] { new { id = "mgr", name = "Nope" } } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await app.CreateClient().GetAsync("/api/products")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ACsvFileOfProductsImportsThroughTheImportsApiWithEveryLineAccountedFor()
    {
        var client = await ClientAsync("marketer@demo.local");
        var csv = "sku,title,link,price,sale_price,availability,category\n"
            + "csv-1,Lamp,https://shop.example.com/lamp,30,25,in stock,csv-light\n"
            + "csv-2,,https://shop.example.com/x,10,,yes,csv-light\n"
            + "csv-3,Bulb,https://shop.example.com/bulb,4,,out of stock,csv-light\n";
        var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(part, "file", "products.csv");
        content.Add(new StringContent("products"), "kind");

        var response = await client.PostAsync("/api/imports", content);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var watch = Stopwatch.StartNew();
        JsonElement status;
        while (true)
        {
            status = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
            if (status.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled" or "Interrupted")
            {
                break;
            }

            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(3));
            await Task.Delay(50);
        }

        status.GetProperty("status").GetString().ShouldBe("Completed", status.ToString());
        status.GetProperty("kind").GetString().ShouldBe("products");
        (status.GetProperty("linesRead").GetInt64(), status.GetProperty("new").GetInt64(), status.GetProperty("refused").GetInt64()).ShouldBe((3L, 2L, 1L));
        status.GetProperty("everyLineAccountedFor").GetBoolean().ShouldBeTrue();
        var errors = await client.GetStringAsync($"{response.Headers.Location}/errors.csv");
        errors.ShouldContain("name is empty");
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        (await db.Products.SingleAsync(p => p.ExternalId == "csv-3")).InStock.ShouldBeFalse();
        (await db.Products.SingleAsync(p => p.ExternalId == "csv-1")).SalePrice.ShouldBe(25m);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheProductsEndpoints()
    {
        var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        paths.GetProperty("/api/products/batch").GetProperty("post").GetProperty("summary").GetString()!.ShouldContain("by the shop's product id");
        paths.GetProperty("/api/products").GetProperty("get").GetProperty("summary").GetString()!.ShouldContain("search");
        paths.GetProperty("/api/products/{id}").GetProperty("get").GetProperty("summary").GetString()!.ShouldContain("bought together");
        paths.GetProperty("/api/imports").GetProperty("post").GetProperty("description").GetString()!.ShouldContain("products");
    }

    [Fact]
    public async Task AChosenCollectionShowsOnlyProductsInStockAndSaysWhyWhenItShowsNothing()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        (await marketer.PostAsJsonAsync("/api/products/batch", new
        {
            products = new object[]
            {
                new { id = "coll-1", name = "Coll parka", url = "https://shop.example.com/coll-1", category = "Coll coats", brand = "Collbrand", price = 200m, inStock = true },
                new { id = "coll-2", name = "Coll anorak", url = "https://shop.example.com/coll-2", category = "Coll coats", brand = "Collbrand", price = 150m, inStock = false },
                new { id = "coll-3", name = "Coll scarf", url = "https://shop.example.com/coll-3", category = "Coll scarves", brand = "Collbrand", price = 20m, inStock = true },
                new { id = "coll-4", name = "Coll shawl", category = "Coll shawls", inStock = false },
            },
        })).EnsureSuccessStatusCode();
        // Every role reads the catalogue, as on the products page: the block editor's pick lists are reads.
        var manager = await ClientAsync("manager@demo.local");

        var coats = (await manager.GetFromJsonAsync<CollectionDto>("/api/products/collection?category=coll%20COATS"))!;
        var brand = (await manager.GetFromJsonAsync<CollectionDto>("/api/products/collection?brand=Collbrand"))!;
        var picked = (await manager.GetFromJsonAsync<CollectionDto>("/api/products/collection?ids=coll-3,coll-404,coll-2,coll-1"))!;
        var typo = (await manager.GetFromJsonAsync<CollectionDto>("/api/products/collection?category=Coll%20coatz"))!;
        var soldOut = (await manager.GetFromJsonAsync<CollectionDto>("/api/products/collection?category=Coll%20shawls"))!;
        var categories = (await manager.GetFromJsonAsync<List<ChoiceDto>>("/api/products/categories"))!;
        var brands = (await manager.GetFromJsonAsync<List<ChoiceDto>>("/api/products/brands"))!;

        (coats.Key, coats.Liquid).ShouldBe(("category:coll COATS", "collections[\"category:coll COATS\"]"));
        coats.Products.Select(p => p.Id).ShouldBe(["coll-1"]);
        coats.Products[0].Url.ShouldBe("https://shop.example.com/coll-1");
        coats.Problem.ShouldBeNull();
        brand.Products.Select(p => p.Id).ShouldBe(["coll-1", "coll-3"], ignoreOrder: true);
        picked.Products.Select(p => p.Id).ShouldBe(["coll-3", "coll-1"]);
        picked.Problem.ShouldBe("Of the 4 hand-picked products, some are left out — not in the catalogue: coll-404; out of stock now: coll-2.");
        typo.Products.ShouldBeEmpty();
        typo.Problem.ShouldBe("No product in the catalogue has the category “Coll coatz”, so the product grid shows nothing — did you mean “Coll coats”?");
        soldOut.Problem.ShouldBe("Every product of the category “Coll shawls” is out of stock, so the product grid shows nothing.");
        categories.Single(c => c.Name == "Coll coats").ShouldBe(new ChoiceDto("Coll coats", 2, 1));
        brands.Single(c => c.Name == "Collbrand").ShouldBe(new ChoiceDto("Collbrand", 3, 2));
    }

    [Fact]
    public async Task ACollectionAskedForWrongIsABadRequestThatSaysWhy()
    {
        var client = await ClientAsync("marketer@demo.local");

        var none = await client.GetAsync("/api/products/collection");
        var two = await client.GetAsync("/api/products/collection?category=a&brand=b");
        var tooMany = await client.GetAsync("/api/products/collection?ids=" + string.Join(',', Enumerable.Range(0, 13).Select(i => $"p{i}")));

        none.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await none.Content.ReadAsStringAsync()).ShouldContain("Give exactly one of category, brand or ids");
        two.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tooMany.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooMany.Content.ReadAsStringAsync()).ShouldContain("at most 12 picked products; 13 were given");
    }

    private sealed record CollectionDto(string Key, string Liquid, IReadOnlyList<CollectionProductDto> Products, string? Problem);

    private sealed record CollectionProductDto(string Id, string Name, string? Url);

    private sealed record ChoiceDto(string Name, int Products, int InStock);

    private sealed record BatchAnswer(long Inserted, long Updated, IReadOnlyList<ItemError> Errors);

    private sealed record ItemError(int Item, string Reason);

    private sealed record ProductListDto(IReadOnlyList<ProductDto> Items, int Total);

    private sealed record ProductDto(string Id, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Brand, bool InStock,
        Dictionary<string, string> Attributes, int? Buyers, int? Orders, decimal? Revenue, int MinGroupSize, IReadOnlyList<TogetherDto> BoughtTogether);

    private sealed record TogetherDto(string Id, string Name, bool InCatalogue, int Buyers);
}
