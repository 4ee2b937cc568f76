using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace CampaignStudio.Data.Assets;

/// <summary>A picture in the library: its content-addressed name (<c>sha256.ext</c>), size and when it was added.</summary>
public sealed record ImageAsset(string Name, long Bytes, DateTime AddedAt)
{
    /// <summary>The stable path the studio serves it under; mail gets it with the studio's (or the store's public) address in front.</summary>
    public string Url => ImageLibrary.UrlPrefix + Name;
}

/// <summary>A picture being served: its bytes as a stream (the caller disposes it) and its length when the store knows it.</summary>
public sealed record StoredImage(Stream Content, long? Length);

/// <summary>
/// Where library pictures are kept. The name is the SHA-256 of the bytes, so a URL never changes meaning (it can be cached for
/// a year) and the same picture uploaded twice is stored once. Two implementations, chosen by configuration: files in the data
/// folder (<see cref="FolderImageStore"/>, the default) and an S3-compatible bucket (<see cref="S3ImageStore"/>), which several
/// studio instances share.
/// </summary>
public interface IImageStore
{
    /// <summary>Stores the picture under its content name (once); throws <see cref="ImageStoreException"/> when the store cannot be reached.</summary>
    Task<ImageAsset> SaveAsync(byte[] bytes, string extension, CancellationToken ct);

    Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct);

    /// <summary>The picture to serve, or null for a name that is not in the library (or not a library name at all).</summary>
    Task<StoredImage?> OpenAsync(string name, CancellationToken ct);

    Task<bool> DeleteAsync(string name, CancellationToken ct);
}

/// <summary>The image store could not do what was asked (unreachable, refused credentials, no such bucket); the message says which.</summary>
public sealed class ImageStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The rules every store shares: how a picture is named and under which path the studio serves it.</summary>
public static partial class ImageLibrary
{
    public const string UrlPrefix = "/assets/images/";

    /// <summary>A picture's address never changes meaning (its name is its content), so it may be cached for a year.</summary>
    public const string CacheControl = "public, max-age=31536000, immutable";

    /// <summary>Whether a name is one the library gives out: 64 lower-case hex digits and a picture extension (nothing else reaches a store).</summary>
    public static bool IsLibraryName(string? name) => name is not null && LibraryName().IsMatch(name);

    /// <summary>The content name of a picture: the SHA-256 of its bytes and its extension.</summary>
    public static string NameOf(byte[] bytes, string extension) => Convert.ToHexStringLower(SHA256.HashData(bytes)) + "." + extension;

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|gif|webp)$")]
    private static partial Regex LibraryName();
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
