using Microsoft.Extensions.DependencyInjection.Extensions;
using CampaignStudio.Flows;
using CampaignStudio.Sending;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Campaigns.Tracking;

namespace CampaignStudio.Web.Features.Campaigns;

public static class CampaignsFeature
{
    public static IServiceCollection AddCampaignsFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<CampaignService>();
        services.AddScoped<TemplateService>();

        // The pipeline itself, with the one mail transport and key ring, lives in CampaignStudio.Sending (shared with the worker host).
        services.AddSendPipeline(configuration);
        // The flow engine queues messages wherever the send pipeline runs (docs/decisions/053-flows.md).
        services.AddFlowEngine(configuration);
        // Read when first resolved: test hosts add configuration after registration.
        services.AddSingleton(_ => configuration.GetSection(TrackingOptions.Section).Get<TrackingOptions>() ?? new TrackingOptions());
        // Campaign reports hide small groups; the setting has its own home (Features/Privacy), registered here too so the order of features does not matter.
        services.TryAddSingleton<CampaignStudio.Data.Privacy.PrivacySettingsStore>();
        return services;
    }

    /// <summary>Open pixel and click redirect; anonymous, because mail clients call them.</summary>
    public static IEndpointRouteBuilder MapCampaignTracking(this IEndpointRouteBuilder endpoints)
    {
        TrackingEndpoints.Map(endpoints);
        return endpoints;
    }
}
