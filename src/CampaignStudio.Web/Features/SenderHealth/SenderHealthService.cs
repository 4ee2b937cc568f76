using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.SenderHealth;

/// <summary>
/// Sender health: what came of the mail sent (delivered, hard and soft bounces, spam complaints, unsubscribes) per sending
/// domain, per campaign and per day of sending, the automatic pause limits, and how long the oldest opt-out waited.
/// Every role may read it; Admins set the limits.
/// </summary>
public sealed class SenderHealthService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, AutomaticPauseStore limits,
    PrivacySettingsService privacy, TimeProvider clock)
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;

    /// <summary>Shown for campaigns launched before the studio noted the sending domain.</summary>
    public const string UnknownDomain = "(not recorded)";

    /// <summary>The report over the mail sent in the last <paramref name="days"/> days; the daily rates are of <paramref name="scope"/>.</summary>
    public async Task<SenderHealthReport> GetAsync(HealthScope scope, int days = DefaultDays, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await user.RequireAsync(Policies.CanRead);
        days = Math.Clamp(days, 1, MaxDays);
        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.Date.AddDays(1 - days);
        var k = await privacy.MinGroupSizeAsync(ct);

        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // One pass over the period's sent mail, by campaign and day of sending: each message counts for the day it left,
        // so a rate is "of the mail sent that day" even when its bounces came days later.
        var rows = await db.Messages.AsNoTracking()
            .Where(m => m.Status == MessageStatus.Sent && m.SentAt >= from)
            .Select(m => new
            {
                m.CampaignId,
                Day = m.SentAt!.Value.Date,
                Hard = m.Bounce == BounceKind.Hard ? 1 : 0,
                Soft = m.Bounce == BounceKind.Soft ? 1 : 0,
                Complained = m.ComplainedAt != null ? 1 : 0,
                Unsubscribed = db.ConsentRecords.Any(r => r.CampaignId == m.CampaignId && r.CustomerId == m.CustomerId && r.Status == ConsentStatus.OptedOut) ? 1 : 0,
            })
            .GroupBy(x => new { x.CampaignId, x.Day })
            .Select(g => new
            {
                g.Key.CampaignId,
                g.Key.Day,
                Sent = g.Count(),
                Hard = g.Sum(x => x.Hard),
                Soft = g.Sum(x => x.Soft),
                Complained = g.Sum(x => x.Complained),
                Unsubscribed = g.Sum(x => x.Unsubscribed),
            })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.CampaignId).Distinct().ToList();
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var byDay = rows.Select(r => (r.CampaignId, Day: DateOnly.FromDateTime(r.Day), Counts: new HealthCounts(r.Sent, r.Hard, r.Soft, r.Complained, r.Unsubscribed))).ToList();
        string DomainOf(int campaignId) => campaigns.GetValueOrDefault(campaignId)?.SendingDomain ?? UnknownDomain;

        var perCampaign = byDay.GroupBy(r => r.CampaignId).ToDictionary(g => g.Key, g => Sum(g.Select(r => r.Counts)));
        var campaignRows = perCampaign.OrderByDescending(p => campaigns.GetValueOrDefault(p.Key)?.LaunchedAt).ThenByDescending(p => p.Key)
            .Select(p => campaigns.GetValueOrDefault(p.Key) is { } c
                ? new CampaignHealthRow(c.Id, c.Name, c.Status, DomainOf(c.Id), c.IsAutoPaused, c.IsAutoPaused ? c.AutoPauseReason : null, HealthPrivacy.Apply(p.Value, k))
                : null)
            .OfType<CampaignHealthRow>().ToList();
        var domainRows = perCampaign.GroupBy(p => DomainOf(p.Key)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new HealthGroupRow(g.Key, HealthPrivacy.ApplyTotal(Sum(g.Select(p => p.Value)), [.. g.Select(p => p.Value)], k))).ToList();
        var overall = HealthPrivacy.ApplyTotal(Sum(perCampaign.Values), [.. perCampaign.Values], k);

        var inScope = byDay.Where(r => scope.CampaignId is { } id ? r.CampaignId == id : scope.Domain is not { } d || DomainOf(r.CampaignId) == d).ToList();
        var first = DateOnly.FromDateTime(from);
        var daily = Enumerable.Range(0, days).Select(i => first.AddDays(i))
            .Select(day => new HealthDay(day, HealthPrivacy.Apply(Sum(inScope.Where(r => r.Day == day).Select(r => r.Counts)), k))).ToList();
        var scopeName = scope.CampaignId is { } cid ? (campaigns.GetValueOrDefault(cid)?.Name ?? $"campaign {cid}") : scope.Domain ?? "all mail";

        var wait = await OptOutWaits.OldestAsync(db, from, now, ct);
        return new SenderHealthReport(from, now, days, k, await limits.GetAsync(ct), wait, overall, domainRows, campaignRows, scope, scopeName, daily);
    }

    /// <summary>One campaign's figures over all its mail, for its page (null when it sent nothing).</summary>
    public async Task<HealthFigures?> ForCampaignAsync(int campaignId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var k = await privacy.MinGroupSizeAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await Data.Bounces.CampaignDeliveryCounts.ForAsync(db, campaignId, ct);
        if (counts.Sent == 0)
        {
            return null;
        }

        var unsubscribed = await db.ConsentRecords.AsNoTracking()
            .Where(r => r.CampaignId == campaignId && r.Status == ConsentStatus.OptedOut)
            .Select(r => r.CustomerId).Distinct().CountAsync(ct);
        return HealthPrivacy.Apply(new HealthCounts(counts.Sent, counts.HardBounced, counts.SoftBounced, counts.Complained, unsubscribed), k);
    }

    public async Task<AutomaticPauseLimits> LimitsAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await limits.GetAsync(ct);
    }

    /// <summary>Admins set the limits; they hold for every sending campaign from its next check.</summary>
    /// <exception cref="ArgumentException">A limit out of range; the message says which.</exception>
    public async Task SaveLimitsAsync(AutomaticPauseLimits value, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        await limits.SaveAsync(value, ct);
    }

    private static HealthCounts Sum(IEnumerable<HealthCounts> counts) => counts.Aggregate(HealthCounts.Zero, (a, b) => a.Add(b));
}

/// <summary>Whose daily rates to draw: all mail, one sending domain, or one campaign.</summary>
public sealed record HealthScope(string? Domain = null, int? CampaignId = null)
{
    public static HealthScope All { get; } = new();
}

public sealed record HealthGroupRow(string Name, HealthFigures Figures);

public sealed record CampaignHealthRow(int CampaignId, string Name, CampaignStatus Status, string SendingDomain, bool AutoPaused, string? AutoPauseReason, HealthFigures Figures);

public sealed record HealthDay(DateOnly Day, HealthFigures Figures);

/// <param name="From">The first day of the period (UTC midnight): mail sent from then on is counted.</param>
public sealed record SenderHealthReport(DateTime From, DateTime To, int Days, int MinGroupSize, AutomaticPauseLimits Limits, OptOutWait OptOutWait,
    HealthFigures Overall, IReadOnlyList<HealthGroupRow> Domains, IReadOnlyList<CampaignHealthRow> Campaigns, HealthScope Scope, string ScopeName,
    IReadOnlyList<HealthDay> Daily);
