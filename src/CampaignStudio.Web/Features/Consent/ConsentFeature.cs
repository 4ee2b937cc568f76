using CampaignStudio.Web.Features.Consent.Public;

namespace CampaignStudio.Web.Features.Consent;

public static class ConsentFeature
{
    public static IServiceCollection AddConsentFeature(this IServiceCollection services)
    {
        services.AddScoped<ConsentService>();
        services.AddScoped<BounceService>();
        services.AddScoped<DataExportService>();
        services.AddScoped<PrivacyRequestService>();
        services.AddScoped<PublicConsentService>();
        services.AddSingleton<DoubleOptInMailer>();
        return services;
    }
}
