using CampaignStudio.Web.Features.Predictive;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>A privacy threshold k without a database, for component tests (k = 1 hides nothing).</summary>
public sealed class FixedSmallGroups(int k) : SmallGroups(null!)
{
    public override ValueTask<int> MinGroupSizeAsync(CancellationToken ct = default) => ValueTask.FromResult(k);
}
