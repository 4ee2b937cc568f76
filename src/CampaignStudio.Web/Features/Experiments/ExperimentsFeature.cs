using CampaignStudio.Web.Features.Experiments.Uplift;

namespace CampaignStudio.Web.Features.Experiments;

public static class ExperimentsFeature
{
    public static IServiceCollection AddExperimentsFeature(this IServiceCollection services) => services
        // A relative lift against a control of 0 is NaN; the API writes it as "NaN" instead of failing the response.
        .ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling |= System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)
        .AddScoped<ExperimentService>()
        .AddScoped<ExperimentAnalysisService>()
        .AddScoped<ExperimentImportService>()
        .AddScoped<ExperimentOutcomeService>()
        .AddScoped<UpliftService>()
        .AddSingleton<UpliftStore>()
        .AddSingleton<UpliftJobs>();
}
