using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>The brand block e-mails are built with: settings rows under <c>Brand:</c>; <see cref="BrandStyle.Default"/> until saved.</summary>
public sealed class BrandStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string Prefix = "Brand:";

    public async Task<BrandStyle> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        var d = BrandStyle.Default;
        string Read(string name, string fallback) => values.GetValueOrDefault(Prefix + name) is { Length: > 0 } v ? v : fallback;
        var read = new BrandStyle(Read(nameof(d.PrimaryColor), d.PrimaryColor), Read(nameof(d.TextColor), d.TextColor), Read(nameof(d.BackgroundColor), d.BackgroundColor),
            Read(nameof(d.ContentColor), d.ContentColor), Read(nameof(d.BodyFont), d.BodyFont), Read(nameof(d.HeadingFont), d.HeadingFont),
            values.GetValueOrDefault(Prefix + nameof(d.LogoUrl)) is { Length: > 0 } logo ? logo : null);

        // A row edited by hand into nonsense gives the default brand rather than e-mails with broken styles.
        return read.Problem is null ? read : d;
    }

    /// <exception cref="ArgumentException">The brand cannot be saved (<see cref="BrandStyle.Problem"/>).</exception>
    public async Task SaveAsync(BrandStyle brand, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(brand);
        if (brand.Problem is { } problem)
        {
            throw new ArgumentException(problem, nameof(brand));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [Prefix + nameof(brand.PrimaryColor)] = brand.PrimaryColor.ToLowerInvariant(),
            [Prefix + nameof(brand.TextColor)] = brand.TextColor.ToLowerInvariant(),
            [Prefix + nameof(brand.BackgroundColor)] = brand.BackgroundColor.ToLowerInvariant(),
            [Prefix + nameof(brand.ContentColor)] = brand.ContentColor.ToLowerInvariant(),
            [Prefix + nameof(brand.BodyFont)] = brand.BodyFont,
            [Prefix + nameof(brand.HeadingFont)] = brand.HeadingFont,
            [Prefix + nameof(brand.LogoUrl)] = string.IsNullOrWhiteSpace(brand.LogoUrl) ? null : brand.LogoUrl.Trim(),
        }, clock.GetUtcNow().UtcDateTime, ct);
    }
}
