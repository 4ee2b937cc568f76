namespace CampaignStudio.Web.Features.SenderHealth;

public static class SenderHealthFeature
{
    public static IServiceCollection AddSenderHealthFeature(this IServiceCollection services)
    {
        services.AddScoped<SenderHealthService>();
        services.AddScoped<SendingRulesService>();
        return services;
    }
}
