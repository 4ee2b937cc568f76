using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Web.Features.Consent.Public;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>
/// The consent dashboard (every role may read it) and the consent changes studio users make on a person's behalf
/// (Admin and Marketer only: checked here, not only by hidden buttons).
/// </summary>
public sealed class ConsentService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, ConsentLedger ledger, DoubleOptInMailer doubleOptIn,
    TimeProvider clock, IHttpContextAccessor http, SignedTokenOptions? tokenOptions = null)
{
    /// <summary>The sign-up wording staff confirm a person was shown when they start a double opt-in for them.</summary>
    public const string StaffSignupWording = "studio-signup-v1";

    public const int Months = 12;

    public async Task<IReadOnlyList<(ConsentStatus Status, int Count)>> StatusMixAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.Customers.Where(c => !c.IsErased).GroupBy(c => c.EmailConsent).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return Enum.GetValues<ConsentStatus>().Select(s => (s, counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0)).ToList();
    }

    public async Task<ConsentDashboard> DashboardAsync(CancellationToken ct = default)
    {
        var mix = await StatusMixAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var thisMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var since = thisMonth.AddMonths(-(Months - 1));

        var bySource = await db.ConsentRecords.AsNoTracking()
            .Where(r => r.RecordedAt >= since && (r.Status == ConsentStatus.OptedIn || r.Status == ConsentStatus.OptedOut))
            .GroupBy(r => new { r.Source, r.Status }).Select(g => new { g.Key.Source, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var byCampaign = await db.ConsentRecords.AsNoTracking()
            .Where(r => r.CampaignId != null && (r.Status == ConsentStatus.OptedIn || r.Status == ConsentStatus.OptedOut))
            .GroupBy(r => new { r.CampaignId, r.Status }).Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var campaignIds = byCampaign.Select(c => c.CampaignId!.Value).Distinct().ToList();
        var campaignNames = await db.Campaigns.AsNoTracking().Where(c => campaignIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);

        var lifetime = (tokenOptions ?? new SignedTokenOptions()).DoubleOptInLifetime;
        var pending = db.Customers.AsNoTracking().Where(c => !c.IsErased && c.EmailConsent == ConsentStatus.Pending);
        var expiredBefore = now - lifetime;
        var pendingSummary = new PendingConfirmations(
            await pending.CountAsync(ct),
            await pending.CountAsync(c => c.EmailConsentAt < expiredBefore, ct),
            await pending.OrderBy(c => c.EmailConsentAt).Take(10).Select(c => new PendingCustomer(c.Id, c.Email, c.EmailConsentAt)).ToListAsync(ct),
            lifetime);

        return new ConsentDashboard(
            mix,
            await MixOverTimeAsync(db, since, thisMonth, ct),
            Enum.GetValues<ConsentSource>()
                .Select(s => new ConsentChangeCount(Domain.Wording.DisplayNames.Of(s), Count(bySource.Where(b => b.Source == s).Select(b => (b.Status, b.Count)), ConsentStatus.OptedIn),
                    Count(bySource.Where(b => b.Source == s).Select(b => (b.Status, b.Count)), ConsentStatus.OptedOut)))
                .Where(c => c.OptIns + c.OptOuts > 0).ToList(),
            campaignIds.Select(id => new ConsentChangeCount(campaignNames.GetValueOrDefault(id, $"Campaign #{id}"),
                    Count(byCampaign.Where(b => b.CampaignId == id).Select(b => (b.Status, b.Count)), ConsentStatus.OptedIn),
                    Count(byCampaign.Where(b => b.CampaignId == id).Select(b => (b.Status, b.Count)), ConsentStatus.OptedOut)))
                .OrderByDescending(c => c.OptOuts).ToList(),
            pendingSummary);
    }

    /// <summary>Records an opt-out a person asked for by phone, letter or in the shop.</summary>
    public async Task<ConsentOutcome> RecordOptOutAsync(long customerId, string? note, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await ledger.RecordAsync(new ConsentChange(customerId, ConsentStatus.OptedOut, ConsentSource.Admin, await user.NameAsync(),
            IpAddress: http.HttpContext?.Connection.RemoteIpAddress?.ToString(), Note: string.IsNullOrWhiteSpace(note) ? "Recorded by staff on the person's request" : note), ct);
    }

    /// <summary>Mails the double opt-in confirmation; the person's click, not the marketer's, makes them opted in.</summary>
    public async Task<DoubleOptInResult> SendDoubleOptInAsync(long customerId, string? wordingVersion = null, ConsentSource source = ConsentSource.Admin, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await doubleOptIn.SendAsync(customerId, string.IsNullOrWhiteSpace(wordingVersion) ? StaffSignupWording : wordingVersion.Trim(), source,
            await user.NameAsync(), http.HttpContext?.Connection.RemoteIpAddress?.ToString(), ct);
    }

    /// <summary>
    /// Status mix at the end of each month: the log replayed per customer with the same rule the ledger uses.
    /// Customers who existed but have no effective record by then count as unknown.
    /// </summary>
    private static async Task<IReadOnlyList<StatusMixPoint>> MixOverTimeAsync(AppDbContext db, DateTime since, DateTime thisMonth, CancellationToken ct)
    {
        var ends = Enumerable.Range(1, Months).Select(i => since.AddMonths(i)).ToArray();
        var known = new int[Months, Enum.GetValues<ConsentStatus>().Length];
        var rows = db.ConsentRecords.AsNoTracking().Where(r => !r.Customer!.IsErased && r.Channel == ConsentChannel.Email)
            .OrderBy(r => r.CustomerId).ThenBy(r => r.RecordedAt).ThenBy(r => r.Id)
            .Select(r => new { r.CustomerId, r.RecordedAt, r.Status, r.Purpose, r.WordingVersion })
            .AsAsyncEnumerable();

        long? current = null;
        var status = ConsentStatus.Unknown;
        var month = 0;
        var probe = new ConsentRecord();

        void Close(int upTo)
        {
            for (; month < upTo; month++)
            {
                if (status != ConsentStatus.Unknown)
                {
                    known[month, (int)status]++;
                }
            }
        }

        await foreach (var r in rows.WithCancellation(ct))
        {
            if (r.CustomerId != current)
            {
                Close(Months);
                current = r.CustomerId;
                status = ConsentStatus.Unknown;
                month = 0;
            }

            while (month < Months && r.RecordedAt >= ends[month])
            {
                Close(month + 1);
            }

            probe.Status = r.Status;
            probe.Purpose = r.Purpose;
            probe.WordingVersion = r.WordingVersion;
            status = ConsentRules.Next(status, probe);
        }

        Close(Months);

        var points = new List<StatusMixPoint>(Months);
        for (var m = 0; m < Months; m++)
        {
            var end = ends[m];
            var total = await db.Customers.CountAsync(c => !c.IsErased && c.CreatedAt < end, ct);
            var counts = Enum.GetValues<ConsentStatus>().ToDictionary(s => s, s => known[m, (int)s]);
            counts[ConsentStatus.Unknown] = Math.Max(0, total - counts.Values.Sum());
            points.Add(new StatusMixPoint(ends[m].AddDays(-1).ToString("MMM yy", System.Globalization.CultureInfo.InvariantCulture), counts));
        }

        return points;
    }

    private static int Count(IEnumerable<(ConsentStatus Status, int Count)> counts, ConsentStatus status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
}

public sealed record ConsentDashboard(
    IReadOnlyList<(ConsentStatus Status, int Count)> Mix,
    IReadOnlyList<StatusMixPoint> MixOverTime,
    IReadOnlyList<ConsentChangeCount> BySource,
    IReadOnlyList<ConsentChangeCount> ByCampaign,
    PendingConfirmations Pending);

/// <summary>How many customers had each status at the end of one month.</summary>
public sealed record StatusMixPoint(string Month, IReadOnlyDictionary<ConsentStatus, int> Counts);

public sealed record ConsentChangeCount(string Label, int OptIns, int OptOuts);

/// <param name="Expired">Pending longer than a confirmation link lives: these people can only be asked again.</param>
public sealed record PendingConfirmations(int Count, int Expired, IReadOnlyList<PendingCustomer> Oldest, TimeSpan LinkLifetime);

public sealed record PendingCustomer(long Id, string? Email, DateTime? Since);
