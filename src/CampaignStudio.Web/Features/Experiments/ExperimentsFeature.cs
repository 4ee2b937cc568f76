using CampaignStudio.Training;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Features.Experiments.Uplift;

namespace CampaignStudio.Web.Features.Experiments;

public static class ExperimentsFeature
{
    public static IServiceCollection AddExperimentsFeature(this IServiceCollection services)
    {
        return services
        .AddTraining()
        .AddScoped<ExperimentService>()
        .AddScoped<ExperimentAnalysisService>()
        .AddScoped<ExperimentImportService>()
        .AddScoped<ExperimentOutcomeService>()
        .AddScoped<AdaptiveAllocationService>()
        .AddScoped<UpliftService>()
        .AddScoped<OfferPolicyService>()
        .AddScoped<PolicyLaunchService>()
        .AddScoped<PolicyRealisedService>();
    }
}
