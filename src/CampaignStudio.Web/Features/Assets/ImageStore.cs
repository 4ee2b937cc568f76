using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CampaignStudio.Data;

namespace CampaignStudio.Web.Features.Assets;

/// <summary>A picture in the library: its content-addressed name (<c>sha256.ext</c>), size and when it was added.</summary>
public sealed record ImageAsset(string Name, long Bytes, DateTime AddedAt)
{
    /// <summary>The stable path the studio serves it under; mail gets it with the studio's public address in front.</summary>
    public string Url => ImageStore.UrlPrefix + Name;
}

/// <summary>
/// Where library pictures are kept. The name is the SHA-256 of the bytes, so a URL never changes meaning (it can be cached for
/// a year) and the same picture uploaded twice is stored once. One implementation today: files in the data folder; an
/// S3-compatible store would be a second implementation of this interface.
/// </summary>
public interface IImageStore
{
    Task<ImageAsset> SaveAsync(byte[] bytes, string extension, CancellationToken ct);

    Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct);

    /// <summary>The file to serve, or null for a name that is not in the library (or not a library name at all).</summary>
    Stream? Open(string name);

    Task<bool> DeleteAsync(string name, CancellationToken ct);
}

/// <summary>Library pictures as files in <c>{data folder}/images</c>.</summary>
public sealed partial class ImageStore(DatabaseOptions database, TimeProvider clock) : IImageStore
{
    public const string UrlPrefix = "/assets/images/";

    private string Folder => Path.Combine(database.DataFolder, "images");

    /// <summary>Whether a name is one the library gives out: 64 lower-case hex digits and a picture extension (nothing else reaches the disk).</summary>
    public static bool IsLibraryName(string? name) => name is not null && LibraryName().IsMatch(name);

    public async Task<ImageAsset> SaveAsync(byte[] bytes, string extension, CancellationToken ct)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(bytes)) + "." + extension;
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name);
        if (!File.Exists(path))
        {
            // Written beside and moved: a reader never sees half a picture under its final name.
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temp, bytes, ct);
            File.Move(temp, path, overwrite: true);
            File.SetLastWriteTimeUtc(path, clock.GetUtcNow().UtcDateTime);
        }

        return Describe(new FileInfo(path));
    }

    public Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct)
    {
        IReadOnlyList<ImageAsset> list = Directory.Exists(Folder)
            ? new DirectoryInfo(Folder).EnumerateFiles().Where(f => IsLibraryName(f.Name)).Select(Describe).OrderByDescending(a => a.AddedAt).ThenBy(a => a.Name, StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(list);
    }

    public Stream? Open(string name) =>
        IsLibraryName(name) && File.Exists(Path.Combine(Folder, name)) ? File.OpenRead(Path.Combine(Folder, name)) : null;

    public Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        var path = Path.Combine(Folder, name);
        if (!IsLibraryName(name) || !File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    private static ImageAsset Describe(FileInfo file) => new(file.Name, file.Length, file.LastWriteTimeUtc);

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|gif|webp)$")]
    private static partial Regex LibraryName();
}
