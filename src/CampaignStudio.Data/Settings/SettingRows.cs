using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>Upserts key/value rows of the settings table: the one write path for stores that keep their state there.</summary>
public static class SettingRows
{
    public static async Task WriteAsync(AppDbContext db, IReadOnlyDictionary<string, string?> values, DateTime now, CancellationToken ct = default)
    {
        var keys = values.Keys.ToList();
        var existing = await db.Settings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, ct);
        foreach (var (key, value) in values)
        {
            if (existing.TryGetValue(key, out var row))
            {
                row.Value = value;
                row.UpdatedAt = now;
            }
            else
            {
                db.Settings.Add(new StudioSetting { Key = key, Value = value, UpdatedAt = now });
            }
        }

        await db.SaveChangesAsync(ct);
    }
}
