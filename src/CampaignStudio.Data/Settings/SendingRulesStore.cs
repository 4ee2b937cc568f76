using System.Globalization;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>The sending rules (frequency cap, quiet hours, default time zone): settings rows under <c>Sending:Rules:</c>; off until saved.</summary>
public sealed class SendingRulesStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string Prefix = "Sending:Rules:";

    public static readonly string MaxPerDayKey = Prefix + nameof(SendingRules.MaxPerDay);
    public static readonly string MaxPerWeekKey = Prefix + nameof(SendingRules.MaxPerWeek);
    public static readonly string QuietFromKey = Prefix + nameof(SendingRules.QuietFrom);
    public static readonly string QuietUntilKey = Prefix + nameof(SendingRules.QuietUntil);
    public static readonly string DefaultTimeZoneKey = Prefix + nameof(SendingRules.DefaultTimeZone);

    public async Task<SendingRules> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ReadAsync(db, ct);
    }

    /// <summary>The rules as stored, read on a context the caller has open (the engine and the sender read them once per pass).</summary>
    public static async Task<SendingRules> ReadAsync(AppDbContext db, CancellationToken ct = default)
    {
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        int? Number(string key) => int.TryParse(values.GetValueOrDefault(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        TimeOnly? Time(string key) => TimeOnly.TryParseExact(values.GetValueOrDefault(key), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
        var read = new SendingRules(Number(MaxPerDayKey), Number(MaxPerWeekKey), Time(QuietFromKey), Time(QuietUntilKey),
            values.GetValueOrDefault(DefaultTimeZoneKey) ?? SendingRules.Default.DefaultTimeZone);

        // A row edited by hand into nonsense switches the rules off rather than stopping every send.
        return read.Problem is null ? read : SendingRules.Default;
    }

    /// <exception cref="ArgumentException">The rules cannot be saved (<see cref="SendingRules.Problem"/>).</exception>
    public async Task SaveAsync(SendingRules rules, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Problem is { } problem)
        {
            throw new ArgumentException(problem, nameof(rules));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [MaxPerDayKey] = rules.MaxPerDay?.ToString(CultureInfo.InvariantCulture),
            [MaxPerWeekKey] = rules.MaxPerWeek?.ToString(CultureInfo.InvariantCulture),
            [QuietFromKey] = rules.QuietFrom?.ToString("HH:mm", CultureInfo.InvariantCulture),
            [QuietUntilKey] = rules.QuietUntil?.ToString("HH:mm", CultureInfo.InvariantCulture),
            [DefaultTimeZoneKey] = rules.DefaultTimeZone,
        }, clock.GetUtcNow().UtcDateTime, ct);
    }
}
