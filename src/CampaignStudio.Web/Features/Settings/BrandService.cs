using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>The brand colours, fonts and logo block e-mails use: every role reads them; Admins and Marketers set them.</summary>
public sealed class BrandService(CurrentUser user, BrandStore brand)
{
    public async Task<BrandStyle> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await brand.GetAsync(ct);
    }

    /// <exception cref="ArgumentException">The brand cannot be saved; the message says why.</exception>
    public async Task SaveAsync(BrandStyle value, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await brand.SaveAsync(value, ct);
    }
}
