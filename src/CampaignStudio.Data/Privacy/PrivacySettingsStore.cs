using System.Globalization;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Privacy;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Privacy;

/// <summary>
/// Reads and writes <see cref="PrivacySettings"/> in the settings table under <c>Privacy:</c>. Studios from before this
/// home existed kept k and ε under <c>Predictive:</c>; those values are read until the settings are saved again, so an
/// existing studio keeps its setting.
/// </summary>
public sealed class PrivacySettingsStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string Prefix = "Privacy:";

    /// <summary>Where k and ε were stored before they had their own home.</summary>
    public const string FormerPrefix = "Predictive:";

    public static readonly string MinGroupSizeKey = Prefix + nameof(PrivacySettings.MinGroupSize);
    public static readonly string NoiseEpsilonKey = Prefix + nameof(PrivacySettings.NoiseEpsilon);
    private static readonly string FormerMinGroupSizeKey = FormerPrefix + nameof(PrivacySettings.MinGroupSize);
    private static readonly string FormerNoiseEpsilonKey = FormerPrefix + nameof(PrivacySettings.NoiseEpsilon);

    public async Task<PrivacySettings> GetAsync(CancellationToken ct = default)
    {
        string[] keys = [MinGroupSizeKey, NoiseEpsilonKey, FormerMinGroupSizeKey, FormerNoiseEpsilonKey];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var values = await db.Settings.AsNoTracking().Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);

        // A saved Privacy: row wins even when it says "no noise" (an empty value); only a missing row falls back.
        string? Read(string key, string former) => values.TryGetValue(key, out var v) ? v : values.GetValueOrDefault(former);
        double? Number(string? text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new PrivacySettings(
            (int?)Number(Read(MinGroupSizeKey, FormerMinGroupSizeKey)) is { } k and >= PrivacySettings.SmallestAllowedK ? k : SmallGroups.DefaultMinimum,
            Number(Read(NoiseEpsilonKey, FormerNoiseEpsilonKey)) is { } e and > 0 ? e : null);
    }

    /// <exception cref="ArgumentException">The settings cannot be saved (<see cref="PrivacySettings.Problem"/>).</exception>
    public async Task SaveAsync(PrivacySettings settings, CancellationToken ct = default)
    {
        if (settings.Problem is { } problem)
        {
            throw new ArgumentException(problem, nameof(settings));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [MinGroupSizeKey] = settings.MinGroupSize.ToString(CultureInfo.InvariantCulture),
            [NoiseEpsilonKey] = settings.NoiseEpsilon?.ToString(CultureInfo.InvariantCulture),
        }, clock.GetUtcNow().UtcDateTime, ct);
    }
}
