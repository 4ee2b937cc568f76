using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Assets;

/// <summary>The image library's limits (<c>Assets:</c> in configuration).</summary>
public sealed class AssetOptions
{
    public const string Section = "Assets";

    /// <summary>The largest picture accepted, in bytes (default 5 MB: mail programs clip big mails, and phones pay for data).</summary>
    public long MaxImageBytes { get; set; } = 5 * 1024 * 1024;
}

/// <summary>The image library: every role lists; Admins and Marketers upload and delete. Pictures are served to anyone (mail programs fetch them).</summary>
public sealed class AssetService(CurrentUser user, IImageStore store, AssetOptions options)
{
    public async Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await store.ListAsync(ct);
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

    public async Task<bool> DeleteAsync(string name, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await store.DeleteAsync(name, ct);
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
