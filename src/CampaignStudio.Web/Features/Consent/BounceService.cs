using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>What the bounce mailbox brought in: totals, the suppressions with their evidence, and mail the studio could not read.</summary>
public sealed record BounceOverview(BounceTotals Totals, IReadOnlyList<BounceSuppression> Suppressions, IReadOnlyList<BounceEvent> Unread);

/// <summary>
/// The bounces page and its API twin: every role may read the suppressions and their evidence; lifting a soft-bounce
/// suppression needs Admin or Marketer (checked here, not only by the hidden button).
/// </summary>
public sealed class BounceService(BounceSuppressions suppressions, CurrentUser user)
{
    public async Task<BounceOverview> OverviewAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return new BounceOverview(await suppressions.TotalsAsync(ct), await suppressions.ListAsync(ct: ct), await suppressions.NotUnderstoodAsync(ct: ct));
    }

    public async Task<LiftOutcome> LiftAsync(long recordId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await suppressions.LiftAsync(recordId, await user.NameAsync(), ct);
    }
}
