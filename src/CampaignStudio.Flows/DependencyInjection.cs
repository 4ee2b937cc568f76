using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Flows;

public static class DependencyInjection
{
    /// <summary>The flow engine and its background worker; every host that runs the send pipeline adds it (the web app, the worker host).</summary>
    public static IServiceCollection AddFlowEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        // Read when first resolved: test hosts add configuration after registration.
        services.AddSingleton(_ => configuration.GetSection(FlowEngineOptions.Section).Get<FlowEngineOptions>() ?? new FlowEngineOptions());
        services.AddSingleton<FlowEngine>();
        services.AddSingleton<FlowEngineWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<FlowEngineWorker>());
        return services;
    }
}
