namespace CampaignStudio.Data.Assets;

/// <summary>Library pictures as files in <c>{data folder}/images</c> (the default store; one machine, or a shared folder).</summary>
public sealed class FolderImageStore(DatabaseOptions database, TimeProvider clock) : IImageStore
{
    private string Folder => Path.Combine(database.DataFolder, "images");

    public async Task<ImageAsset> SaveAsync(byte[] bytes, string extension, CancellationToken ct)
    {
        var name = ImageLibrary.NameOf(bytes, extension);
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
            ? new DirectoryInfo(Folder).EnumerateFiles().Where(f => ImageLibrary.IsLibraryName(f.Name)).Select(Describe).OrderByDescending(a => a.AddedAt).ThenBy(a => a.Name, StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(list);
    }

    public Task<StoredImage?> OpenAsync(string name, CancellationToken ct)
    {
        var path = Path.Combine(Folder, name);
        return Task.FromResult(ImageLibrary.IsLibraryName(name) && File.Exists(path)
            ? new StoredImage(File.OpenRead(path), new FileInfo(path).Length)
            : null);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        var path = Path.Combine(Folder, name);
        if (!ImageLibrary.IsLibraryName(name) || !File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    private static ImageAsset Describe(FileInfo file) => new(file.Name, file.Length, file.LastWriteTimeUtc);
}
