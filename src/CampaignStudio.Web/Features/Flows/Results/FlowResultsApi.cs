using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Flows.Results;

/// <summary>A flow's step results over HTTP: the same service and role check as the results on the flow page.</summary>
public static class FlowResultsApi
{
    public static RouteGroupBuilder MapFlowResultsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/flows/{id:int}/results", GetAsync).WithTags("Flows")
            .WithSummary("What each send step of the flow did against its own holdout (the customers it queued a mail for against those its holdout draw kept " +
                "back — drawn among the customers it would really mail — from the moment they reached it): mailed, sent, held out, skipped, open and click rates, conversion rates on both " +
                "sides, the lift with its always-valid 95 % interval, the conversions and value the step caused with intervals, what its offer cost, " +
                "the net value, opt-outs per mail, and the verdict (Helping, NoClearEffect, Useless, Harmful) in a sentence. Counts below the privacy " +
                "setting k are null, and so is the lift while a side is that small. Every role.");
        return api;
    }

    public static async Task<Results<Ok<FlowResultsReport>, NotFound>> GetAsync(int id, FlowResultsService service, CancellationToken ct) =>
        await service.GetAsync(id, ct) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();
}

public static class FlowResultsFeature
{
    public static IServiceCollection AddFlowResultsFeature(this IServiceCollection services) => services.AddScoped<FlowResultsService>();
}
