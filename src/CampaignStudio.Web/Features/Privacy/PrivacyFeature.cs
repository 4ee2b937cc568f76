using CampaignStudio.Data.Privacy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Features.Privacy;

public static class PrivacyFeature
{
    public static IServiceCollection AddPrivacyFeature(this IServiceCollection services)
    {
        services.TryAddSingleton<PrivacySettingsStore>();
        services.AddScoped<PrivacySettingsService>();
        return services;
    }
}
