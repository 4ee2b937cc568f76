using System.Globalization;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>The automatic pause limits, rows of the settings table under <c>Sending:AutomaticPause:</c>; the defaults until saved.</summary>
public sealed class AutomaticPauseStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string Prefix = "Sending:AutomaticPause:";

    public static readonly string HardBounceRateKey = Prefix + nameof(AutomaticPauseLimits.HardBounceRate);
    public static readonly string HardBounceMinimumSentKey = Prefix + nameof(AutomaticPauseLimits.HardBounceMinimumSent);
    public static readonly string ComplaintRateKey = Prefix + nameof(AutomaticPauseLimits.ComplaintRate);
    public static readonly string ComplaintMinimumDeliveredKey = Prefix + nameof(AutomaticPauseLimits.ComplaintMinimumDelivered);

    public async Task<AutomaticPauseLimits> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        double? Number(string key) => double.TryParse(values.GetValueOrDefault(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        var fallback = AutomaticPauseLimits.Default;
        var read = new AutomaticPauseLimits(
            Number(HardBounceRateKey) ?? fallback.HardBounceRate,
            (int?)Number(HardBounceMinimumSentKey) ?? fallback.HardBounceMinimumSent,
            Number(ComplaintRateKey) ?? fallback.ComplaintRate,
            (int?)Number(ComplaintMinimumDeliveredKey) ?? fallback.ComplaintMinimumDelivered);

        // A row edited by hand into nonsense must not switch the guard off: the defaults stand in.
        return read.Problem is null ? read : fallback;
    }

    /// <exception cref="ArgumentException">The limits cannot be saved (<see cref="AutomaticPauseLimits.Problem"/>).</exception>
    public async Task SaveAsync(AutomaticPauseLimits limits, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Problem is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [HardBounceRateKey] = limits.HardBounceRate.ToString("R", CultureInfo.InvariantCulture),
            [HardBounceMinimumSentKey] = limits.HardBounceMinimumSent.ToString(CultureInfo.InvariantCulture),
            [ComplaintRateKey] = limits.ComplaintRate.ToString("R", CultureInfo.InvariantCulture),
            [ComplaintMinimumDeliveredKey] = limits.ComplaintMinimumDelivered.ToString(CultureInfo.InvariantCulture),
        }, clock.GetUtcNow().UtcDateTime, ct);
    }
}
