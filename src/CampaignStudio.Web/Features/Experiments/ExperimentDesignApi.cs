using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>The design page and the rounds of adaptive experiments over HTTP: the same service calls and role checks as the screens.</summary>
public static class ExperimentDesignApi
{
    public static RouteGroupBuilder MapExperimentDesignApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:int}/design", async Task<Results<JsonHttpResult<ExperimentDesign>, NotFound>> (int id, ExperimentService experiments, CancellationToken ct) =>
                await experiments.DesignAsync(id, ct) is { } design ? TypedResults.Json(design, ExperimentsApi.Json) : TypedResults.NotFound())
            .WithSummary("The design of an experiment as the design page edits it, allocation (Fixed or Adaptive, with rounds, intervalHours, burnInRounds, floorPerArm) included.");

        group.MapPost("/", (HttpRequest request, ExperimentService experiments, CancellationToken ct) => SaveAsync(null, request, experiments, ct))
            .RequireAuthorization(Policies.CanEdit)
            .WithSummary("Creates a draft from a design (JSON as GET /{id}/design returns it; enums by name). 'allocation': 'Adaptive' sends the audience in rounds whose weights " +
                "follow Thompson sampling on the primary metric, with 'adaptive': {rounds, intervalHours, burnInRounds, floorPerArm}. Problems come back as 400 in the marketer's words.");

        group.MapPost("/{id:int}/design", (int id, HttpRequest request, ExperimentService experiments, CancellationToken ct) => SaveAsync(id, request, experiments, ct))
            .RequireAuthorization(Policies.CanEdit)
            .WithSummary("Replaces the design of a draft (only drafts nobody is assigned in change: a launched policy's round is refused with 409 in words, anything not a draft with 400).");

        group.MapGet("/{id:int}/rollout", GetRolloutAsync)
            .WithSummary("A winner rollout: its design (testShare, waitHours, confidence, fallbackArm; the metric is the primary metric), when the rest is released, " +
                "and once decided the arm the rest received with the decision in words. Every role may read it; the design changes through POST /{id}/design ('rollout'). " +
                "404 when the experiment has no rollout.");

        group.MapGet("/{id:int}/rounds", async Task<Results<JsonHttpResult<AllocationLog>, NotFound>> (int id, AdaptiveAllocationService rounds, CancellationToken ct) =>
                await rounds.LogAsync(id, ct) is { } log ? TypedResults.Json(log, ExperimentsApi.Json) : TypedResults.NotFound())
            .WithSummary("An adaptive experiment's rounds: the weights of each arm and when they took effect, customers per round, and when the next round may go. 404 for fixed allocation.");

        group.MapPost("/{id:int}/rounds/next", async Task<Results<JsonHttpResult<RoundOutcome>, ProblemHttpResult>> (int id, AdaptiveAllocationService rounds, CancellationToken ct) =>
            {
                try
                {
                    return TypedResults.Json(await rounds.NextRoundAsync(id, ct), ExperimentsApi.Json);
                }
                catch (ArgumentException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .RequireAuthorization(Policies.CanEdit)
            .WithSummary("Sends the next round of an adaptive experiment when the interval has passed since the last: new weights from the outcomes so far, logged, " +
                "then the round's customers assigned. 'sent' is null (with the reason in 'message') when no round is due.");

        return group;
    }

    public static async Task<Results<JsonHttpResult<RolloutState>, NotFound>> GetRolloutAsync(int id, ExperimentService experiments, CancellationToken ct) =>
        await experiments.RolloutAsync(id, ct) is { } state ? TypedResults.Json(state, ExperimentsApi.Json) : TypedResults.NotFound();

    private static async Task<Results<JsonHttpResult<SavedDesign>, ProblemHttpResult, NotFound>> SaveAsync(int? id, HttpRequest request, ExperimentService experiments, CancellationToken ct)
    {
        ExperimentDesign? design;
        try
        {
            design = await request.ReadFromJsonAsync<ExperimentDesign>(ExperimentsApi.Json, ct);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return TypedResults.Problem("Send the design as JSON (see GET /api/experiments/{id}/design).", statusCode: StatusCodes.Status400BadRequest);
        }

        if (design is null)
        {
            return TypedResults.Problem("Send the design as JSON.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (id is { } existing && await experiments.GetAsync(existing, ct) is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            var saved = await experiments.SaveAsync(id, design, ct);
            return TypedResults.Json(new SavedDesign(saved), ExperimentsApi.Json, statusCode: id is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (ExperimentStateException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}

/// <summary>A saved draft.</summary>
public sealed record SavedDesign(int ExperimentId);
