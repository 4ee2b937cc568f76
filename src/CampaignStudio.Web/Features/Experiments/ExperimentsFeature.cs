using CampaignStudio.Web.Features.Experiments.Uplift;

namespace CampaignStudio.Web.Features.Experiments;

public static class ExperimentsFeature
{
    public static IServiceCollection AddExperimentsFeature(this IServiceCollection services) => services
        .AddScoped<ExperimentService>()
        .AddScoped<ExperimentAnalysisService>()
        .AddScoped<ExperimentImportService>()
        .AddScoped<ExperimentOutcomeService>()
        .AddScoped<AdaptiveAllocationService>()
        .AddScoped<UpliftService>()
        .AddSingleton<UpliftStore>()
        .AddSingleton<UpliftJobs>();
}
