using CampaignStudio.Data;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>The current consent mix. The log, double opt-in and unsubscribe come with the consent issue.</summary>
public sealed class ConsentService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    public async Task<IReadOnlyList<(ConsentStatus Status, int Count)>> StatusMixAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.Customers.Where(c => !c.IsErased).GroupBy(c => c.EmailConsent).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return Enum.GetValues<ConsentStatus>().Select(s => (s, counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0)).ToList();
    }
}

public static class ConsentFeature
{
    public static IServiceCollection AddConsentFeature(this IServiceCollection services) => services.AddScoped<ConsentService>();
}
