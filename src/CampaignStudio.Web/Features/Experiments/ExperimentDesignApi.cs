using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>The design page and the rounds of adaptive experiments over HTTP: the same service calls and role checks as the screens.</summary>
public static class ExperimentDesignApi
{
    public static RouteGroupBuilder MapExperimentDesignApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:int}/design", async Task<Results<ExperimentOk<ExperimentDesign>, NotFound>> (int id, ExperimentService experiments, CancellationToken ct) =>
                await experiments.DesignAsync(id, ct) is { } design ? ExperimentAnswer.Ok(design) : TypedResults.NotFound())
            .WithSummary("The design of an experiment as the design page edits it, allocation (Fixed or Adaptive, with rounds, intervalHours, burnInRounds, floorPerArm) included.");

        group.MapPost("/", CreateAsync)
            .RequireAuthorization(Policies.CanEdit).Accepts<ExperimentDesign>("application/json").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Creates a draft from a design (JSON as GET /{id}/design returns it; enums by name). 'allocation': 'Adaptive' sends the audience in rounds whose weights " +
                "follow Thompson sampling on the primary metric, with 'adaptive': {rounds, intervalHours, burnInRounds, floorPerArm}. Problems come back as 400 in the marketer's words.");

        group.MapPost("/{id:int}/design", ReplaceAsync)
            .RequireAuthorization(Policies.CanEdit).Accepts<ExperimentDesign>("application/json").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replaces the design of a draft (only drafts nobody is assigned in change: a launched policy's round is refused with 409 in words, anything not a draft with 400).");

        group.MapGet("/{id:int}/rollout", GetRolloutAsync)
            .WithSummary("A winner rollout: its design (testShare, waitHours, confidence, fallbackArm; the metric is the primary metric), when the rest is released, " +
                "and once decided the arm the rest received with the decision in words. Every role may read it; the design changes through POST /{id}/design ('rollout'). " +
                "404 when the experiment has no rollout.");

        group.MapGet("/{id:int}/rounds", async Task<Results<ExperimentOk<AllocationLog>, NotFound>> (int id, AdaptiveAllocationService rounds, CancellationToken ct) =>
                await rounds.LogAsync(id, ct) is { } log ? ExperimentAnswer.Ok(log) : TypedResults.NotFound())
            .WithSummary("An adaptive experiment's rounds: the weights of each arm and when they took effect, customers per round, and when the next round may go. 404 for fixed allocation.");

        group.MapPost("/{id:int}/rounds/next", async Task<Results<ExperimentOk<RoundOutcome>, ProblemHttpResult>> (int id, AdaptiveAllocationService rounds, CancellationToken ct) =>
            {
                try
                {
                    return ExperimentAnswer.Ok(await rounds.NextRoundAsync(id, ct));
                }
                catch (ArgumentException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .RequireAuthorization(Policies.CanEdit).ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Sends the next round of an adaptive experiment when the interval has passed since the last: new weights from the outcomes so far, logged, " +
                "then the round's customers assigned. 'sent' is null (with the reason in 'message') when no round is due.");

        return group;
    }

    public static async Task<Results<ExperimentOk<RolloutState>, NotFound>> GetRolloutAsync(int id, ExperimentService experiments, CancellationToken ct) =>
        await experiments.RolloutAsync(id, ct) is { } state ? ExperimentAnswer.Ok(state) : TypedResults.NotFound();

    /// <summary>A new draft: 201 with its id.</summary>
    public static async Task<Results<ExperimentCreated<SavedDesign>, ProblemHttpResult>> CreateAsync(HttpRequest request, ExperimentService experiments, CancellationToken ct)
    {
        var (design, unreadable) = await ReadAsync(request, ct);
        if (design is null)
        {
            return unreadable!;
        }

        var (saved, problem) = await SaveAsync(null, design, experiments, ct);
        return saved is { } experimentId ? ExperimentAnswer.Created(new SavedDesign(experimentId)) : problem!;
    }

    /// <summary>A draft's design replaced: 200 with its id.</summary>
    public static async Task<Results<ExperimentOk<SavedDesign>, ProblemHttpResult, NotFound>> ReplaceAsync(int id, HttpRequest request, ExperimentService experiments, CancellationToken ct)
    {
        var (design, unreadable) = await ReadAsync(request, ct);
        if (design is null)
        {
            return unreadable!;
        }

        if (await experiments.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var (saved, problem) = await SaveAsync(id, design, experiments, ct);
        return saved is { } experimentId ? ExperimentAnswer.Ok(new SavedDesign(experimentId)) : problem!;
    }

    private static async Task<(ExperimentDesign? Design, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await request.ReadFromJsonAsync<ExperimentDesign>(ExperimentsApi.Json, ct) is { } design
                ? (design, null)
                : (null, TypedResults.Problem("Send the design as JSON.", statusCode: StatusCodes.Status400BadRequest));
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return (null, TypedResults.Problem("Send the design as JSON (see GET /api/experiments/{id}/design).", statusCode: StatusCodes.Status400BadRequest));
        }
    }

    /// <summary>Saves a design: the experiment's id, or the refusal in the marketer's words.</summary>
    private static async Task<(int? Saved, ProblemHttpResult? Problem)> SaveAsync(int? id, ExperimentDesign design, ExperimentService experiments, CancellationToken ct)
    {
        try
        {
            return (await experiments.SaveAsync(id, design, ct), null);
        }
        catch (ExperimentStateException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict));
        }
        catch (ArgumentException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest));
        }
    }
}

/// <summary>A saved draft.</summary>
public sealed record SavedDesign(int ExperimentId);
