using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.SenderHealth;

/// <summary>The sending rules (frequency cap, quiet hours, default time zone): every role reads them; Admins set them.</summary>
public sealed class SendingRulesService(CurrentUser user, SendingRulesStore rules)
{
    public async Task<SendingRules> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await rules.GetAsync(ct);
    }

    /// <exception cref="ArgumentException">The rules cannot be saved; the message says why.</exception>
    public async Task SaveAsync(SendingRules value, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        await rules.SaveAsync(value, ct);
    }
}
