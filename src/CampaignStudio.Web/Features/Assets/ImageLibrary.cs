using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace CampaignStudio.Web.Features.Assets;

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

    /// <summary>Whether a name is one the library gives out: 64 lower-case hex digits and a picture extension (nothing else reaches a store).</summary>
    public static bool IsLibraryName(string? name) => name is not null && LibraryName().IsMatch(name);

    /// <summary>The content name of a picture: the SHA-256 of its bytes and its extension.</summary>
    public static string NameOf(byte[] bytes, string extension) => Convert.ToHexStringLower(SHA256.HashData(bytes)) + "." + extension;

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|gif|webp)$")]
    private static partial Regex LibraryName();
}
