using System.Security.Cryptography;
using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>
/// A random 32-byte key made once per studio and kept in the settings table, so every instance uses the same one (address
/// hashes, return addresses). The first instance to save it wins; one that loses the race reads the winner's.
/// </summary>
public static class OncePerStudioKey
{
    /// <param name="settingKey">The settings row the key lives in.</param>
    /// <param name="write">How the key is stored (plain base64, or protected with Data Protection).</param>
    /// <param name="read">The reverse of <paramref name="write"/>.</param>
    public static async Task<byte[]> GetOrCreateAsync(IDbContextFactory<AppDbContext> dbFactory, string settingKey, TimeProvider clock,
        Func<byte[], string> write, Func<string, byte[]> read, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await ValueAsync(db, settingKey, ct) is { Length: > 0 } stored)
        {
            return read(stored);
        }

        var fresh = RandomNumberGenerator.GetBytes(32);
        db.Settings.Add(new StudioSetting { Key = settingKey, Value = write(fresh), UpdatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(ct);
            return fresh;
        }
        catch (DbUpdateException)
        {
            // Another instance created the key first: use theirs.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return read((await ValueAsync(again, settingKey, ct))!);
        }
    }

    private static Task<string?> ValueAsync(AppDbContext db, string settingKey, CancellationToken ct) =>
        db.Settings.AsNoTracking().Where(s => s.Key == settingKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
}
