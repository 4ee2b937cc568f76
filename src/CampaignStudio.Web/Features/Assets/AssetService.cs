using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Assets;

/// <summary>The image library's limits and where its pictures live (<c>Assets:</c> in configuration).</summary>
public sealed class AssetOptions
{
    public const string Section = "Assets";

    /// <summary>The largest picture accepted, in bytes (default 5 MB: mail programs clip big mails, and phones pay for data).</summary>
    public long MaxImageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>An S3-compatible bucket for the pictures; when none of its settings is given they stay in the data folder.</summary>
    public S3ImageOptions S3 { get; set; } = new();

    /// <summary>
    /// Where mail fetches library pictures from: the bucket's public address when one is configured, else the studio's own
    /// <c>/assets/images/</c> (null here; the compiler puts the studio's public address in front).
    /// </summary>
    public string? MailImageBaseUrl => S3.IsConfigured && !string.IsNullOrWhiteSpace(S3.PublicBaseUrl) ? S3.PublicBaseUrl.TrimEnd('/') + "/" : null;
}

/// <summary><c>Assets:S3:</c> — an S3-compatible bucket (AWS S3, MinIO, R2, ...) shared by every studio instance.</summary>
public sealed class S3ImageOptions
{
    /// <summary>The server's address, e.g. <c>https://s3.eu-central-1.amazonaws.com</c> or <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>The region requests are signed for; most S3-compatible servers accept the default.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Bucket in the path (<c>server/bucket/key</c>), as MinIO and most self-hosted servers need; off for virtual-host style.</summary>
    public bool PathStyle { get; set; } = true;

    /// <summary>Where the prefix folder of the bucket is public (a CDN or the bucket's public URL); mail then fetches pictures there.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The folder of the bucket the pictures are kept in.</summary>
    public string Prefix { get; set; } = "images/";

    /// <summary>Whether any S3 setting is given: then all the needed ones must be, and the bucket is the only store (no quiet fallback).</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(ServiceUrl) || !string.IsNullOrWhiteSpace(Bucket) || !string.IsNullOrWhiteSpace(AccessKey)
        || !string.IsNullOrWhiteSpace(SecretKey) || !string.IsNullOrWhiteSpace(PublicBaseUrl);

    /// <summary>What is wrong with the settings, as one sentence naming them; null when they are usable (or not given at all).</summary>
    public string? Problem()
    {
        if (!IsConfigured)
        {
            return null;
        }

        var missing = new[] { ("ServiceUrl", ServiceUrl), ("Bucket", Bucket), ("AccessKey", AccessKey), ("SecretKey", SecretKey) }
            .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => "Assets:S3:" + s.Item1).ToList();
        return missing.Count > 0
                ? $"The image library is set to use S3, but {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing."
            : !IsWebAddress(ServiceUrl) ? $"Assets:S3:ServiceUrl \"{ServiceUrl}\" is not an http(s) address."
            : PublicBaseUrl is not null && !IsWebAddress(PublicBaseUrl) ? $"Assets:S3:PublicBaseUrl \"{PublicBaseUrl}\" is not an http(s) address."
            : Prefix.StartsWith('/') ? $"Assets:S3:Prefix \"{Prefix}\" must not start with /."
            : null;
    }

    private static bool IsWebAddress(string? text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";
}

/// <summary>What a delete did: removed, not in the library, or refused because something still shows the picture.</summary>
public enum AssetDeleteOutcome
{
    Deleted,
    NotFound,
    InUse,
}

/// <summary>The image library: every role lists; Admins and Marketers upload and delete. Pictures are served to anyone (mail programs fetch them).</summary>
/// <summary>A library picture as the library screen shows it: its address for mail, and where it is used (empty: unused).</summary>
public sealed record LibraryImage(ImageAsset Asset, string PublicUrl, IReadOnlyList<string> UsedBy);

public sealed class AssetService(CurrentUser user, IImageStore store, AssetOptions options, IDbContextFactory<AppDbContext> dbFactory, BrandStore brand, SenderIdentityStore senders)
{
    /// <summary>The largest picture accepted, in bytes (for the upload screen's own read limit).</summary>
    public long MaxImageBytes => options.MaxImageBytes;

    public async Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await store.ListAsync(ct);
    }

    /// <summary>The library for its screen: every picture with the address mail programs fetch it from and where it is used.</summary>
    public async Task<IReadOnlyList<LibraryImage>> LibraryAsync(CancellationToken ct = default)
    {
        var images = await ListAsync(ct);
        var uses = await UsesAsync(ct);
        var publicBase = (await senders.GetAsync(ct)).PublicBaseUrl.TrimEnd('/');
        return images.Select(i => new LibraryImage(i, publicBase + i.Url, uses.GetValueOrDefault(i.Name) ?? [])).ToList();
    }

    /// <summary>Stores a picture after checking its size and what its bytes are (not what its name or type header claim).</summary>
    public async Task<(ImageAsset? Asset, string? Problem)> UploadAsync(Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await user.RequireAsync(Policies.CanEdit);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > options.MaxImageBytes)
            {
                return (null, $"The picture is larger than {options.MaxImageBytes / 1024.0 / 1024.0:0.#} MB.");
            }
        }

        var bytes = buffer.ToArray();
        if (ImageFormat.Extension(bytes) is not { } extension)
        {
            return (null, "This is not a PNG, JPEG, GIF or WebP picture.");
        }

        return (await store.SaveAsync(bytes, extension, ct), null);
    }

    /// <summary>
    /// Removes a picture that nothing in the studio shows any more. A picture a template, the brand's logo or a product still
    /// names is refused with where it is used: deleting it would break the next send of that template. Mail already sent is
    /// not checked (the studio keeps no copy of sent HTML); it shows a broken picture from then on, which the screen says.
    /// </summary>
    public async Task<(AssetDeleteOutcome Outcome, IReadOnlyList<string> UsedBy)> DeleteAsync(string name, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        if ((await UsesAsync(ct)).TryGetValue(name, out var usedBy))
        {
            return (AssetDeleteOutcome.InUse, usedBy);
        }

        return (await store.DeleteAsync(name, ct) ? AssetDeleteOutcome.Deleted : AssetDeleteOutcome.NotFound, []);
    }

    /// <summary>
    /// Where each library picture is used, by picture name: templates (their HTML or blocks), the brand's logo and products'
    /// images, in words ("Template “Spring picks”"). Pictures used nowhere are not in the answer. The one home of "is this
    /// picture in use" for the screen and the API.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> UsesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string? text, string where)
        {
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            for (var at = text.IndexOf(ImageLibrary.UrlPrefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(ImageLibrary.UrlPrefix, at + 1, StringComparison.Ordinal))
            {
                var start = at + ImageLibrary.UrlPrefix.Length;
                var end = start;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '.'))
                {
                    end++;
                }

                var name = text[start..end];
                if (ImageLibrary.IsLibraryName(name) && !(uses.TryGetValue(name, out var list) && list.Contains(where)))
                {
                    (uses.TryGetValue(name, out var known) ? known : uses[name] = []).Add(where);
                }
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var templates = await db.EmailTemplates.AsNoTracking()
            .Where(t => t.HtmlBody.Contains(ImageLibrary.UrlPrefix) || (t.BlocksJson != null && t.BlocksJson.Contains(ImageLibrary.UrlPrefix)))
            .Select(t => new { t.Name, t.HtmlBody, t.BlocksJson }).ToListAsync(ct);
        foreach (var t in templates)
        {
            Add(t.HtmlBody, $"Template “{t.Name}”");
            Add(t.BlocksJson, $"Template “{t.Name}”");
        }

        Add((await brand.GetAsync(ct)).LogoUrl, "The brand's logo (Settings → Brand)");
        var products = await db.Products.AsNoTracking().Where(p => p.ImageUrl != null && p.ImageUrl.Contains(ImageLibrary.UrlPrefix))
            .OrderBy(p => p.Name).Select(p => new { p.Name, p.ImageUrl }).Take(1_000).ToListAsync(ct);
        foreach (var p in products)
        {
            Add(p.ImageUrl, $"Product “{p.Name}”");
        }

        return uses.ToDictionary(u => u.Key, u => (IReadOnlyList<string>)u.Value, StringComparer.Ordinal);
    }
}

/// <summary>What a picture is, by its first bytes.</summary>
public static class ImageFormat
{
    public static string? Extension(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "png"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "jpg"
        : bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8) ? "gif"
        : bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? "webp"
        : null;

    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".png" => "image/png",
        ".jpg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => "application/octet-stream",
    };
}
