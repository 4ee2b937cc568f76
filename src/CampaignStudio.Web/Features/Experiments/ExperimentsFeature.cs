using CampaignStudio.Data.Settings;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Features.Experiments.Uplift;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Features.Experiments;

public static class ExperimentsFeature
{
    public static IServiceCollection AddExperimentsFeature(this IServiceCollection services)
    {
        services.TryAddSingleton<GrossMarginStore>();
        return services
        .AddScoped<ExperimentService>()
        .AddScoped<ExperimentAnalysisService>()
        .AddScoped<ExperimentImportService>()
        .AddScoped<ExperimentOutcomeService>()
        .AddScoped<AdaptiveAllocationService>()
        .AddScoped<UpliftService>()
        .AddSingleton<UpliftStore>()
        .AddSingleton(typeof(TrainingJobs<>))
        .AddSingleton<UpliftJobs>()
        .AddScoped<OfferPolicyService>()
        .AddScoped<PolicyLaunchService>()
        .AddScoped<PolicyRealisedService>()
        .AddSingleton<OfferPolicyStore>()
        .AddSingleton<OfferPolicyJobs>();
    }
}
