using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>
/// The shop's gross margin (a share of the order value) that offer values use unless an experiment states its own; a row of
/// the settings table under <see cref="Key"/>.
/// </summary>
public sealed class GrossMarginStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string Key = "Offers:GrossMargin";

    /// <summary>A typical retail gross margin, until the shop states its own.</summary>
    public const double Default = 0.40;

    public async Task<double> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var text = await db.Settings.AsNoTracking().Where(s => s.Key == Key).Select(s => s.Value).FirstOrDefaultAsync(ct);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var margin) && margin > 0 && margin <= 1 ? margin : Default;
    }

    /// <summary>Saves the margin; the caller checks it is a share in (0, 1].</summary>
    public async Task SaveAsync(double margin, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?> { [Key] = margin.ToString("R", CultureInfo.InvariantCulture) }, clock.GetUtcNow().UtcDateTime, ct);
    }
}
