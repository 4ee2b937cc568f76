using CampaignStudio.Data;
using CampaignStudio.Data.Assets;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Assets;

/// <summary>What a delete did: removed, not in the library, or refused because something still shows the picture.</summary>
public enum AssetDeleteOutcome
{
    Deleted,
    NotFound,
    InUse,
}

/// <summary>The image library: every role lists; Admins and Marketers upload and delete. Pictures are served to anyone (mail programs fetch them).</summary>
/// <summary>The pictures an image picker offers (their studio paths), or why the library could not be read.</summary>
public sealed record ImageChoices(IReadOnlyList<string> Urls, string? Problem);

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

    /// <summary>
    /// The pictures an image setting offers, read when its picker opens (not with the editor: on S3 that is a bucket listing).
    /// A store that cannot be reached gives its sentence instead of failing the editor.
    /// </summary>
    public async Task<ImageChoices> ChoicesAsync(CancellationToken ct = default)
    {
        try
        {
            return new ImageChoices((await ListAsync(ct)).Select(i => i.Url).ToList(), null);
        }
        catch (ImageStoreException e)
        {
            return new ImageChoices([], e.Message);
        }
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
