using CampaignStudio.Web.Features.Campaigns.Sending;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Campaigns.Tracking;
using CampaignStudio.Web.Features.Predictive;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Features.Campaigns;

public static class CampaignsFeature
{
    public static IServiceCollection AddCampaignsFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<CampaignService>();
        services.AddScoped<TemplateService>();
        services.AddCampaignSending(configuration);
        return services;
    }

    /// <summary>The send pipeline alone: what the web app and a worker-only process share.</summary>
    public static IServiceCollection AddCampaignSending(this IServiceCollection services, IConfiguration configuration)
    {
        // Read when first resolved: test hosts add configuration after registration.
        services.AddSingleton(_ => configuration.GetSection(SendWorkerOptions.Section).Get<SendWorkerOptions>() ?? new SendWorkerOptions());
        services.AddSingleton(_ => configuration.GetSection(TrackingOptions.Section).Get<TrackingOptions>() ?? new TrackingOptions());
        // Recommendations and best send times are merged in by the pipeline; a worker-only process has no predictive feature.
        services.TryAddSingleton<PredictiveStore>();
        services.TryAddSingleton<CampaignStudio.Data.Privacy.PrivacySettingsStore>();
        services.TryAddSingleton<RecommendationJob>();
        services.TryAddSingleton<RecommendationLists>();
        services.TryAddSingleton<SendTimePopulation>();
        services.TryAddSingleton<BestSendTimes>();
        services.AddSingleton<CampaignLauncher>();
        services.AddSingleton<CampaignSender>();
        services.AddHostedService<CampaignSendWorker>();
        return services;
    }

    /// <summary>Open pixel and click redirect; anonymous, because mail clients call them.</summary>
    public static IEndpointRouteBuilder MapCampaignTracking(this IEndpointRouteBuilder endpoints)
    {
        TrackingEndpoints.Map(endpoints);
        return endpoints;
    }
}
