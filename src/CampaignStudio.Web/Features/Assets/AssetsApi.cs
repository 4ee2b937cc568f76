using CampaignStudio.Data.Assets;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Assets;

/// <summary>The image library over HTTP, the twin of the library page, and the public address every picture is served under.</summary>
public static class AssetsApi
{
    public static IServiceCollection AddAssetsFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => configuration.GetSection(AssetOptions.Section).Get<AssetOptions>() ?? new AssetOptions());
        services.AddSingleton<IImageStore>(provider =>
        {
            var options = provider.GetRequiredService<AssetOptions>();
            if (options.S3.Problem() is { } problem)
            {
                throw new InvalidOperationException(problem);
            }

            return options.S3.IsConfigured ? new S3ImageStore(options.S3) : ActivatorUtilities.CreateInstance<FolderImageStore>(provider);
        });

        // Built at start, so S3 settings that cannot work stop the studio with their sentence instead of failing the first upload.
        services.AddHostedService<ImageStoreCheck>();
        services.AddScoped<AssetService>();
        return services;
    }

    public static RouteGroupBuilder MapAssetsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/assets").WithTags("Image library");
        group.MapGet("", ListAsync).WithSummary("Every picture in the library, newest first, with its URL (/assets/images/{sha256}.{ext}). Every role.");
        group.MapPost("", UploadAsync).RequireAuthorization(Policies.CanEdit).DisableAntiforgery()
            .WithSummary("Adds a picture (multipart `file`): PNG, JPEG, GIF or WebP by its bytes, at most Assets:MaxImageBytes (5 MB). The same picture twice " +
                "gives the same URL. 400 with the reason otherwise. Admin or Marketer.");
        group.MapGet("/uses", UsesAsync).WithSummary("Where each picture is used (templates, the brand's logo, products), by picture name; unused pictures are left out. Every role.");
        group.MapDelete("/{name}", DeleteAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Removes a picture nothing in the studio uses; 409 with where it is used otherwise (a template, the brand's logo, a product). " +
                "Mail already sent that shows it shows a broken image from then on. Admin or Marketer.");
        return api;
    }

    /// <summary>Serves library pictures to anyone (mail programs), cached for a year: a name is the hash of its bytes and never changes meaning.</summary>
    public static IEndpointRouteBuilder MapAssetImages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ImageLibrary.UrlPrefix + "{name}", async (string name, IImageStore store, HttpContext context, ILoggerFactory logs, CancellationToken ct) =>
        {
            // A plain status, as for tracking links: the friendly error page would send a mail program to the sign-in page.
            if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }

            StoredImage? image;
            try
            {
                image = await store.OpenAsync(name, ct);
            }
            catch (ImageStoreException e)
            {
                logs.CreateLogger(typeof(AssetsApi)).LogError(e, "{Problem}", e.Message);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            if (image is null)
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = ImageLibrary.CacheControl;
            if (image.Length is { } length)
            {
                context.Response.ContentLength = length;
            }

            return Results.Stream(image.Content, ImageFormat.ContentType(name));
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    public static async Task<Results<Ok<List<ImageAsset>>, ProblemHttpResult>> ListAsync(AssetService assets, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok((await assets.ListAsync(ct)).ToList());
        }
        catch (ImageStoreException e)
        {
            return StoreProblem(e);
        }
    }

    public static async Task<Results<Created<ImageAsset>, ProblemHttpResult>> UploadAsync(IFormFile file, AssetService assets, CancellationToken ct)
    {
        await using var stream = file.OpenReadStream();
        try
        {
            var (asset, problem) = await assets.UploadAsync(stream, ct);
            return asset is not null
                ? TypedResults.Created(asset.Url, asset)
                : TypedResults.Problem(detail: problem, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (ImageStoreException e)
        {
            return StoreProblem(e);
        }
    }

    public static async Task<Results<Ok<Dictionary<string, IReadOnlyList<string>>>, ProblemHttpResult>> UsesAsync(AssetService assets, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok((await assets.UsesAsync(ct)).ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal));
        }
        catch (ImageStoreException e)
        {
            return StoreProblem(e);
        }
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(string name, AssetService assets, CancellationToken ct)
    {
        try
        {
            var (outcome, usedBy) = await assets.DeleteAsync(name, ct);
            return outcome switch
            {
                AssetDeleteOutcome.Deleted => TypedResults.NoContent(),
                AssetDeleteOutcome.InUse => TypedResults.Problem(detail: $"The picture is still used: {string.Join("; ", usedBy)}.", statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["usedBy"] = usedBy }),
                _ => TypedResults.NotFound(),
            };
        }
        catch (ImageStoreException e)
        {
            return StoreProblem(e);
        }
    }

    /// <summary>The store could not be used: 503 with the sentence naming the bucket and the reason (the picture was not kept anywhere else).</summary>
    private static ProblemHttpResult StoreProblem(ImageStoreException e) =>
        TypedResults.Problem(title: "The image store is not available", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
}

/// <summary>Builds the image store when the studio starts, so S3 settings that cannot work stop it with their sentence.</summary>
internal sealed class ImageStoreCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<IImageStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
