using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Assets;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Assets;
using Microsoft.EntityFrameworkCore;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>The image library through its API twin and the public picture address, on the studio's real data folder.</summary>
public sealed class ImageLibraryTests(ConsentStudioFactory app) : IClassFixture<ConsentStudioFactory>
{
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes = [("POST", "/api/assets/"), ("DELETE", "/api/assets/{name}")];

    // A 1×1 transparent PNG.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

    [Fact]
    public async Task AMarketerUploadsAPictureEveryoneCanFetchItForAYearAndItIsStoredOnce()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");

        var first = await marketer.PostAsync("/api/assets", File(Png, "logo.png", "image/png"));
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var asset = (await first.Content.ReadFromJsonAsync<AssetDto>())!;
        asset.Url.ShouldMatch("^/assets/images/[0-9a-f]{64}\\.png$");
        asset.Bytes.ShouldBe(Png.Length);
        var again = (await (await marketer.PostAsync("/api/assets", File(Png, "copy.jpg", "image/jpeg"))).Content.ReadFromJsonAsync<AssetDto>())!;
        again.Url.ShouldBe(asset.Url);

        var anonymous = app.CookielessClient();
        var served = await anonymous.GetAsync(asset.Url);
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        served.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        served.Headers.CacheControl!.ToString().ShouldContain("immutable");
        (await served.Content.ReadAsByteArrayAsync()).ShouldBe(Png);

        var manager = await ApiClientAsync("manager@demo.local");
        (await manager.GetFromJsonAsync<List<AssetDto>>("/api/assets"))!.Count(a => a.Url == asset.Url).ShouldBe(1);
        (await manager.PostAsync("/api/assets", File(Png, "x.png", "image/png"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await marketer.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await anonymous.GetAsync(asset.Url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await marketer.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task APictureATemplateOrTheBrandStillShowsIsNotDeletedAndSaysWhereItIsUsed()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        var asset = (await (await marketer.PostAsync("/api/assets", File(png, "red.png", "image/png"))).Content.ReadFromJsonAsync<AssetDto>())!;
        var templateId = await new CampaignTestBuilder(app.Services).TemplateAsync("Picture newsletter", html: $"<html><body><img src=\"https://studio.example{asset.Url}\"></body></html>");
        await app.Get<BrandStore>().SaveAsync(BrandStyle.Default with { LogoUrl = asset.Url });

        var uses = (await marketer.GetFromJsonAsync<Dictionary<string, List<string>>>("/api/assets/uses"))!;
        uses[asset.Name].ShouldBe(["Template “Picture newsletter”", "The brand's logo (Settings → Brand)"]);
        var refused = await marketer.DeleteAsync($"/api/assets/{asset.Name}");
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("Picture newsletter");
        (await app.CookielessClient().GetAsync(asset.Url)).StatusCode.ShouldBe(HttpStatusCode.OK, "the refused picture is still served");

        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.EmailTemplates.Where(t => t.Id == templateId).ExecuteUpdateAsync(t => t.SetProperty(x => x.HtmlBody, "<html><body>No picture</body></html>"));
        }

        await app.Get<BrandStore>().SaveAsync(BrandStyle.Default);
        (await marketer.GetFromJsonAsync<Dictionary<string, List<string>>>("/api/assets/uses"))!.ShouldNotContainKey(asset.Name);
        (await marketer.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task AFileThatIsNotAPictureOrTooLargeIsRefusedWhateverItsNameSays()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");

        var text = await marketer.PostAsync("/api/assets", File("<svg onload=alert(1)>"u8.ToArray(), "evil.png", "image/png"));
        text.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await text.Content.ReadAsStringAsync()).ShouldContain("This is not a PNG, JPEG, GIF or WebP picture.");

        var large = new byte[5 * 1024 * 1024 + 1];
        Png.CopyTo(large, 0);
        var big = await marketer.PostAsync("/api/assets", File(large, "big.png", "image/png"));
        big.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await big.Content.ReadAsStringAsync()).ShouldContain("larger than 5 MB");

        (await app.CookielessClient().GetAsync("/assets/images/..%2F..%2Fstudio.db")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        ImageFormat.Extension("GIF89a......"u8).ShouldBe("gif");
        ImageFormat.Extension("RIFF\0\0\0\0WEBPVP8 "u8).ShouldBe("webp");
        ImageFormat.Extension([0xFF, 0xD8, 0xFF, 0xE0]).ShouldBe("jpg");
    }

    private static MultipartFormDataContent File(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private sealed record AssetDto(string Name, long Bytes, DateTime AddedAt, string Url);
}
