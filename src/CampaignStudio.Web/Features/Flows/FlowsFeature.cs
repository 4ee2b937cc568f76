namespace CampaignStudio.Web.Features.Flows;

public static class FlowsFeature
{
    /// <summary>The flow editor, its lifecycle service and the step results; the engine that moves customers runs in CampaignStudio.Flows.</summary>
    public static IServiceCollection AddFlowsFeature(this IServiceCollection services) =>
        services.AddScoped<FlowService>().AddScoped<Results.FlowResultsService>();
}
