using CampaignStudio.Data.Settings;
using CampaignStudio.Training.Offers;
using CampaignStudio.Training.Uplift;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Training;

public static class DependencyInjection
{
    /// <summary>The experiments' background training: one <see cref="TrainingJobs{TJob}"/> per kind, the uplift and offer-policy jobs and their stores.</summary>
    public static IServiceCollection AddTraining(this IServiceCollection services)
    {
        services.TryAddSingleton<GrossMarginStore>();
        return services
            .AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection(TrainingOptions.Section).Get<TrainingOptions>() ?? new TrainingOptions())
            .AddSingleton(typeof(TrainingJobs<>))
            .AddSingleton<UpliftStore>()
            .AddSingleton<UpliftJobs>()
            .AddSingleton<OfferPolicyStore>()
            .AddSingleton<OfferPolicyJobs>();
    }
}
