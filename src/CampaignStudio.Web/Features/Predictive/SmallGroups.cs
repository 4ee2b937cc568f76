using CampaignStudio.Analytics.Privacy;

namespace CampaignStudio.Web.Features.Predictive;

/// <summary>
/// The privacy setting k for aggregate pages and exports, read once per circuit or request: groups of fewer than k
/// customers are shown as "&lt; k" (see <see cref="SmallCells"/>).
/// </summary>
public class SmallGroups(PredictiveStore store)
{
    private int? _k;

    public virtual async ValueTask<int> MinGroupSizeAsync(CancellationToken ct = default) =>
        _k ??= (await store.GetSettingsAsync(ct)).MinGroupSize;
}
