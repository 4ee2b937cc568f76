using System.Globalization;
using System.Text.Json;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>Model settings for predictions; stored as rows of the settings table. Privacy (k, noise) has its own home: <see cref="PrivacySettingsStore"/>.</summary>
/// <param name="AnnualDiscountRate">Discounts predicted value to today (0.1 = 10 % a year); 0 = none.</param>
public sealed record PredictiveSettings(double AnnualDiscountRate = 0);

/// <summary>
/// Reads and writes <see cref="PredictiveSettings"/> and the last fitted results (small JSON documents) in the settings
/// table, so predictive features need no tables beyond the per-customer predictions.
/// </summary>
public sealed class PredictiveStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    private const string Prefix = "Predictive:";
    internal const string LifetimeKey = Prefix + "LifetimeFit";
    internal const string RecommenderKey = Prefix + "RecommenderEvaluation";

    // Model summaries can hold infinities (the population's mean spend when q ≤ 1, a lift over a zero baseline).
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public async Task<PredictiveSettings> GetSettingsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        double? Number(string name) => double.TryParse(values.GetValueOrDefault(Prefix + name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new PredictiveSettings(Number(nameof(PredictiveSettings.AnnualDiscountRate)) is { } r and >= 0 ? r : 0);
    }

    public Task SaveSettingsAsync(PredictiveSettings settings, CancellationToken ct = default) => WriteAsync(new Dictionary<string, string?>
    {
        [Prefix + nameof(PredictiveSettings.AnnualDiscountRate)] = settings.AnnualDiscountRate.ToString(CultureInfo.InvariantCulture),
    }, ct);

    internal async Task<T?> ReadAsync<T>(string key, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var json = await db.Settings.AsNoTracking().Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync(ct);
        return json is null ? default : JsonSerializer.Deserialize<T>(json, Json);
    }

    internal Task WriteAsync<T>(string key, T value, CancellationToken ct = default) =>
        WriteAsync(new Dictionary<string, string?> { [key] = JsonSerializer.Serialize(value, Json) }, ct);

    private async Task WriteAsync(Dictionary<string, string?> wanted, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, wanted, clock.GetUtcNow().UtcDateTime, ct);
    }
}
