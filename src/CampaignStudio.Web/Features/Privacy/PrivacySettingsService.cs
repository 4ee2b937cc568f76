using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Privacy;

/// <summary>
/// The privacy settings for one circuit or request: every feature that shows counts (dashboard, campaigns, experiments,
/// clustering, predictions) reads k here; Admins change k and the export noise here.
/// </summary>
public class PrivacySettingsService(PrivacySettingsStore store, CurrentUser user)
{
    private int? _k;

    /// <summary>k, read once per circuit or request: groups of fewer customers are shown as "&lt; k" (see <see cref="SmallGroups"/>).</summary>
    public virtual async ValueTask<int> MinGroupSizeAsync(CancellationToken ct = default) =>
        _k ??= (await store.GetAsync(ct)).MinGroupSize;

    public Task<PrivacySettings> GetAsync(CancellationToken ct = default) => store.GetAsync(ct);

    /// <summary>Admins set k and the noise ε.</summary>
    /// <exception cref="ArgumentException">k or ε out of range; the message says which.</exception>
    public async Task SaveAsync(PrivacySettings settings, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        await store.SaveAsync(settings, ct);
        _k = settings.MinGroupSize;
    }
}
