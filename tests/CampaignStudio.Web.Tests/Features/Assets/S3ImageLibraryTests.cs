using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Amazon.Runtime;
using Amazon.S3;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.TestSupport;
using CampaignStudio.Web.Features.Assets;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Assets;

/// <summary>
/// The image library on S3-compatible storage: a real S3 server (s3rver, a Node.js process on 127.0.0.1) and real studio hosts,
/// each with its own data folder and database, so whatever they share can only come from the bucket.
/// </summary>
public sealed class S3ImageLibraryTests : IAsyncLifetime
{
    private const string Bucket = "studio-images";

    // A 1×1 transparent PNG.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

    private S3Server _s3 = null!;

    public async Task InitializeAsync() => _s3 = await S3Server.StartAsync(Bucket);

    public async Task DisposeAsync() => await _s3.DisposeAsync();

    [Fact]
    public async Task APictureUploadedOnOneInstanceIsInTheBucketAndEveryInstanceServesIt()
    {
        using var first = Studio(_s3.StudioSettings(Bucket));
        using var second = Studio(_s3.StudioSettings(Bucket));
        var marketer = await ApiClientAsync(first, "marketer@demo.local");

        var upload = await marketer.PostAsync("/api/assets", File(Png, "logo.png"));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var asset = (await upload.Content.ReadFromJsonAsync<AssetDto>())!;
        asset.Url.ShouldMatch("^/assets/images/[0-9a-f]{64}\\.png$");
        asset.Bytes.ShouldBe(Png.Length);

        // The object is in the bucket, under the library's folder, with the picture's type and the year-long cache.
        using (var s3 = Client(S3Server.SecretKey))
        using (var stored = await s3.GetObjectAsync(Bucket, "images/" + asset.Name))
        using (var bytes = new MemoryStream())
        {
            await stored.ResponseStream.CopyToAsync(bytes);
            bytes.ToArray().ShouldBe(Png);
            stored.Headers.ContentType.ShouldBe("image/png");
            stored.Headers.CacheControl.ShouldContain("immutable");
        }

        Directory.Exists(Path.Combine(first.DataFolder, "images")).ShouldBeFalse("nothing falls back to the data folder");

        // Both instances serve the same bytes under the studio's stable address, to anyone.
        foreach (var studio in new[] { first, second })
        {
            var served = await studio.CreateClient().GetAsync(asset.Url);
            served.StatusCode.ShouldBe(HttpStatusCode.OK);
            served.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
            served.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
            (await served.Content.ReadAsByteArrayAsync()).ShouldBe(Png);
        }

        // The second instance lists it, and the same picture uploaded there is not stored twice.
        var other = await ApiClientAsync(second, "marketer@demo.local");
        (await other.GetFromJsonAsync<List<AssetDto>>("/api/assets"))!.Select(a => a.Url).ShouldBe([asset.Url]);
        (await (await other.PostAsync("/api/assets", File(Png, "copy.png"))).Content.ReadFromJsonAsync<AssetDto>())!.Url.ShouldBe(asset.Url);

        // Deleted on the second, gone on the first; a name never stored is a 404, not a store error.
        (await other.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await first.CreateClient().GetAsync(asset.Url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync($"/api/assets/{asset.Name}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await first.CreateClient().GetAsync("/assets/images/..%2F..%2Fstudio.db")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WithAPublicBaseUrlMailFetchesLibraryPicturesFromThereAndTheStudioStillServesThem()
    {
        var settings = _s3.StudioSettings(Bucket);
        settings["Assets:S3:PublicBaseUrl"] = "https://images.shop.example/library";
        using var studio = Studio(settings);
        var marketer = await ApiClientAsync(studio, "marketer@demo.local");
        var asset = (await (await marketer.PostAsync("/api/assets", File(Png, "hero.png"))).Content.ReadFromJsonAsync<AssetDto>())!;

        using var scope = await studio.ScopeAsAsync("marketer@demo.local");
        var email = await scope.ServiceProvider.GetRequiredService<TemplateService>().CompileBlocksAsync(
            new BlockDocument { Blocks = [new HeroImageBlock { ImageUrl = asset.Url, AltText = "Sale" }] });

        email.Html.ShouldContain($"src=\"https://images.shop.example/library/{asset.Name}\"");
        (await studio.CreateClient().GetByteArrayAsync(asset.Url)).ShouldBe(Png);
    }

    [Fact]
    public void IncompleteS3SettingsStopTheStudioAtStartNamingWhatIsMissing()
    {
        var settings = _s3.StudioSettings(Bucket);
        settings["Assets:S3:SecretKey"] = "";
        using var studio = Studio(settings);

        var error = Should.Throw<InvalidOperationException>(() => studio.CreateClient());
        error.Message.ShouldBe("The image library is set to use S3, but Assets:S3:SecretKey is missing.");

        settings["Assets:S3:SecretKey"] = S3Server.SecretKey;
        settings["Assets:S3:ServiceUrl"] = "127.0.0.1:9000";
        using var noScheme = Studio(settings);
        Should.Throw<InvalidOperationException>(() => noScheme.CreateClient()).Message.ShouldContain("is not an http(s) address");
    }

    [Fact]
    public async Task AWrongKeyOrBucketFailsTheUploadWithTheReasonAndKeepsThePictureNowhere()
    {
        var wrongKey = _s3.StudioSettings(Bucket);
        wrongKey["Assets:S3:AccessKey"] = "NOT-A-KEY";
        using var studio = Studio(wrongKey);
        var refused = await (await ApiClientAsync(studio, "marketer@demo.local")).PostAsync("/api/assets", File(Png, "logo.png"));
        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var reason = await Detail(refused);
        reason.ShouldStartWith($"The image store (bucket \"{Bucket}\" at {_s3.ServiceUrl}) could not look up the picture: ");
        reason.ShouldContain("Assets:S3:AccessKey");
        Directory.Exists(Path.Combine(studio.DataFolder, "images")).ShouldBeFalse();

        using var noBucket = Studio(_s3.StudioSettings("no-such-bucket"));
        var missing = await (await ApiClientAsync(noBucket, "marketer@demo.local")).PostAsync("/api/assets", File(Png, "logo.png"));
        missing.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await Detail(missing)).ShouldEndWith("could not store the picture: the bucket does not exist.");

        using var s3 = Client(S3Server.SecretKey);
        ((await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket })).S3Objects ?? []).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnUnreachableBucketLeavesTheTemplateEditorsPickerWithTheReasonInsteadOfFailing()
    {
        var settings = _s3.StudioSettings(Bucket);
        settings["Assets:S3:ServiceUrl"] = $"http://127.0.0.1:{FreePort.Next()}";
        using var studio = Studio(settings);
        studio.CreateClient();
        using var scope = await studio.ScopeAsAsync("marketer@demo.local");

        var choices = await scope.ServiceProvider.GetRequiredService<AssetService>().ChoicesAsync();

        choices.Urls.ShouldBeEmpty();
        choices.Problem.ShouldNotBeNull().ShouldStartWith($"The image store (bucket \"{Bucket}\" at http://127.0.0.1:");
    }

    private static async Task<string?> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!.Detail;

    private static ConsentStudioFactory Studio(Dictionary<string, string?> settings)
    {
        var studio = new ConsentStudioFactory();
        foreach (var (key, value) in settings)
        {
            studio.Settings[key] = value;
        }

        return studio;
    }

    private AmazonS3Client Client(string secret) => new(new BasicAWSCredentials(S3Server.AccessKey, secret), new AmazonS3Config
    {
        ServiceURL = _s3.ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    private static MultipartFormDataContent File(byte[] bytes, string name)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { file, "file", name } };
    }

    private static async Task<HttpClient> ApiClientAsync(ConsentStudioFactory studio, string email)
    {
        var client = studio.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await studio.ApiKeyForAsync(email));
        return client;
    }

    private sealed record AssetDto(string Name, long Bytes, DateTime AddedAt, string Url);
}
