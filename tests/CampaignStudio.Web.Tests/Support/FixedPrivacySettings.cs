using CampaignStudio.Web.Features.Privacy;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>A privacy threshold k without a database, for component tests (k = 1 hides nothing).</summary>
public sealed class FixedPrivacySettings(int k) : PrivacySettingsService(null!, null!)
{
    public override ValueTask<int> MinGroupSizeAsync(CancellationToken ct = default) => ValueTask.FromResult(k);
}
