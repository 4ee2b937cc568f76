using System.Text.Json;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Training;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>"Which offer for whom" over HTTP: the studio's margin, training a policy, reading it, and the per-customer policy as CSV.</summary>
public static class OffersApi
{
    public static RouteGroupBuilder MapOffersApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/gross-margin", async (OfferPolicyService offers, CancellationToken ct) => TypedResults.Ok(new GrossMarginBody(await offers.MarginAsync(ct))))
            .WithSummary("The shop's gross margin (a share of the order value, default 0.40) that offer values use unless an experiment states its own.");
        settings.MapPut("/gross-margin", async Task<Results<Ok<GrossMarginBody>, ProblemHttpResult>> (HttpRequest request, OfferPolicyService offers, CancellationToken ct) =>
            {
                var (body, problem) = await ReadAsync<GrossMarginBody>(request, ct);
                if (body is null)
                {
                    return problem!;
                }

                try
                {
                    await offers.SaveMarginAsync(body.Margin, ct);
                    return TypedResults.Ok(body);
                }
                catch (OfferCostsException ex)
                {
                    return Problem(ex.Problems);
                }
            })
            .RequireAuthorization(Policies.CanEdit).Accepts<GrossMarginBody>("application/json")
            .WithSummary("Sets the shop's gross margin, {\"margin\": 0.40}: above 0 and at most 1. Admin or Marketer.");

        var experiments = api.MapGroup("/experiments").WithTags("Experiments");
        experiments.MapPost("/{id:int}/policy", async Task<Results<Accepted<OfferPolicyStatusResponse>, NotFound, ProblemHttpResult>> (int id, HttpRequest request,
                OfferPolicyService offers, CancellationToken ct) =>
            {
                if (await offers.CostsAsync(id, ct) is null)
                {
                    return TypedResults.NotFound();
                }

                OfferCostsInput? costs = null;
                if (request.ContentLength is not 0)
                {
                    (costs, var problem) = await ReadAsync<OfferCostsInput>(request, ct);
                    if (costs is null)
                    {
                        return problem!;
                    }
                }

                try
                {
                    _ = await offers.StartAsync(id, costs, ct);
                }
                catch (OfferCostsException ex)
                {
                    return Problem(ex.Problems);
                }
                catch (ArgumentException ex)
                {
                    return Problem([ex.Message]);
                }
                catch (TrainingRefusedException ex)
                {
                    // Not a problem of the request: a run is already going, here or on another instance.
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }

                var status = await offers.StatusAsync(id, ct);
                return TypedResults.Accepted($"/api/experiments/{id}/policy", OfferPolicyStatusResponse.From(status!, null));
            })
            .RequireAuthorization(Policies.CanEdit).Accepts<OfferCostsInput>(isOptional: true, "application/json")
            .WithSummary("Saves the offers' costs and starts learning which offer to send whom, in the background; 202 with the policy's address to poll. " +
                "Body: {\"margin\":0.40,\"arms\":{\"mail\":{\"discount\":0,\"messageCost\":0.01,\"redemptionCost\":0},\"d10\":{\"discount\":0.10,\"messageCost\":0.01,\"redemptionCost\":0}}} " +
                "(optional; arms not named cost nothing; a margin saves the experiment's own). Unknown arms, a margin outside (0, 1], a finished experiment missing or an arm too small to learn from: 400 with the reason. A policy already being trained for the experiment (on any studio instance): 409 in words.");

        experiments.MapGet("/{id:int}/policy", async Task<Results<ExperimentOk<OfferPolicyStatusResponse>, NotFound>> (int id, OfferPolicyService offers, CancellationToken ct) =>
            {
                var status = await offers.StatusAsync(id, ct);
                if (status is null)
                {
                    return TypedResults.NotFound();
                }

                return ExperimentAnswer.Ok(OfferPolicyStatusResponse.From(status, status.State == OfferPolicyState.Done ? await offers.ResultAsync(id, ct) : null));
            })
            .WithSummary("The policy's training state (queued, running, done, failed with the reason) and, when done: the doubly-robust value per customer with its 95 % CI of " +
                "the learned policy, of every single arm given to everyone and of \"no message\", the recommendation and why, and per arm the share of customers the policy gives it. " +
                "404 when none was trained.");

        experiments.MapGet("/{id:int}/policy.csv", async (int id, OfferPolicyService offers, CancellationToken ct) =>
            {
                await using var buffer = new MemoryStream();
                return await offers.WritePolicyCsvAsync(id, buffer, ct)
                    ? Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"experiment-{id}-policy.csv")
                    : Results.Problem("No policy is trained for this experiment yet.", statusCode: StatusCodes.Status404NotFound);
            })
            .ProducesCsv().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("customer_id,arm for every row of the experiment: the recommended offer. customer_id is the results file's id column, else the studio customer's " +
                "external id, else the row's number in the experiment (from 1). Text cells are spreadsheet-safe.");

        experiments.MapGet("/{id:int}/policy/realised", async Task<Results<ExperimentOk<PolicyRealised>, NotFound>> (int id, PolicyRealisedService realised, CancellationToken ct) =>
                await realised.ReadAsync(id, ct) is { } read ? ExperimentAnswer.Ok(read) : TypedResults.NotFound())
            .WithSummary("A launched policy's round (the experiment a launch created): the gain over \"no message\" per customer its source's policy predicted at the launch " +
                "(doubly robust, 95 % CI), and once the campaign's attribution window has closed the gain realised in the round (the customers who got the policy's offer " +
                "against those who got no message, each weighted by 1 ÷ their logged chance of their offer; 95 % sandwich CI). Before that, 'realised' is null and " +
                "'realisedAfter' says when. 404 for an experiment that is not a launched round.");

        experiments.MapPost("/{id:int}/policy/launch", LaunchPolicyAsync)
            .RequireAuthorization(Policies.CanEdit).Accepts<PolicyLaunchRequest>("application/json")
            .WithSummary("Launches the trained policy as a campaign: a new experiment \"<name> — offers round 2\" with the same arms and costs, where each studio customer " +
                "of this experiment (a studio customer, or a file row whose id is a customer's external id) who may be mailed gets the recommended offer, except a " +
                "no-message holdout (holdoutShare, default 0.10) and a random exploration share over all arms (explorationShare, default 0.10); each assignment logs its " +
                "propensity. Body: {\"templates\":{\"Mail\":3,\"10 % off\":4},\"explorationShare\":0.1,\"holdoutShare\":0.1,\"name\":null,\"scheduledAt\":null} " +
                "(every arm that sends a message needs a template). 201 with the new experiment and campaign and the recipients per arm (policy, exploration, holdout); " +
                "400 with the reason when no policy is trained, an offer lacks a template, a share is out of range or no row is a customer here. Admin or Marketer.");

        return api;
    }

    private static async Task<Results<Created<PolicyLaunchResponse>, NotFound, ProblemHttpResult>> LaunchPolicyAsync(int id, HttpRequest request,
        PolicyLaunchService launches, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync<PolicyLaunchRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }

        try
        {
            var launched = await launches.LaunchAsync(id, body, ct);
            return TypedResults.Created($"/api/experiments/{launched.ExperimentId}", PolicyLaunchResponse.From(launched));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (ArgumentException ex)
        {
            return Problem([ex.Message]);
        }
    }

    /// <summary>Reads a JSON body by hand, so a malformed one gets a sentence rather than an empty 400.</summary>
    private static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problem(["Send the body as JSON (Content-Type: application/json)."]));
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, ExperimentsApi.Json, ct);
            return body is null ? (null, Problem(["The body is empty; send a JSON object."])) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem([$"The body is not the JSON expected{(ex.Path is { Length: > 1 } path ? $" at {path}" : "")}: {ex.Message.Split(" Path:")[0]}"]));
        }
    }

    private static ProblemHttpResult Problem(IReadOnlyList<string> problems) =>
        TypedResults.Problem(detail: string.Join(" ", problems), statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["problems"] = problems });
}

/// <summary>The studio's gross margin.</summary>
public sealed record GrossMarginBody(double Margin);

/// <summary>One arm in a policy's read-out.</summary>
/// <param name="Name">The arm.</param>
/// <param name="SendsMessage">False for "no message".</param>
/// <param name="Costs">Its costs at training.</param>
/// <param name="Value">Value per customer of giving everyone this arm, with its 95 % CI.</param>
/// <param name="Share">Share of customers the recommendation gives it.</param>
/// <param name="LearnedShare">Share the learned policy gives it.</param>
public sealed record OfferArmResponse(string Name, bool SendsMessage, ArmCostsInput Costs, PolicyValue Value, double Share, double LearnedShare);

/// <summary>What the studio recommends: the learned policy, or one arm for everyone; and why.</summary>
public sealed record OfferRecommendationResponse(bool UseLearnedPolicy, string? Arm, string Reason);

/// <summary>GET /api/experiments/{id}/policy: the job's state and, when done, the evaluation.</summary>
public sealed record OfferPolicyStatusResponse(string Status, double Progress, string Stage, string? Error)
{
    public DateTime? TrainedAt { get; init; }
    public int? Customers { get; init; }
    public double? Margin { get; init; }

    /// <summary>Rows trained and evaluated on: the experiment's own and the measured ones of the rounds launched from it.</summary>
    public int? TrainingRows { get; init; }

    /// <summary>Of those, rows of launched rounds, each weighted by its logged chance of its offer.</summary>
    public int? RoundRows { get; init; }

    /// <summary>Value per customer of the learned policy (each customer their own best offer).</summary>
    public PolicyValue? LearnedPolicy { get; init; }

    /// <summary>Value per customer of sending no message (the control arm for everyone).</summary>
    public PolicyValue? NoMessage { get; init; }

    public PolicyValue? GainOverBestArm { get; init; }
    public PolicyValue? GainOverNoMessage { get; init; }
    public IReadOnlyList<OfferArmResponse>? Arms { get; init; }
    public OfferRecommendationResponse? Recommendation { get; init; }

    public static OfferPolicyStatusResponse From(OfferPolicyStatus status, OfferPolicyResult? result)
    {
        ArgumentNullException.ThrowIfNull(status);
        var response = new OfferPolicyStatusResponse(status.State.ToString().ToLowerInvariant(), status.Progress, status.Stage, status.Error);
        if (result is null)
        {
            return response;
        }

        var evaluation = result.Evaluation;
        return response with
        {
            TrainedAt = result.TrainedAt,
            Customers = result.Count,
            Margin = result.Margin,
            TrainingRows = result.TrainingRows,
            RoundRows = result.RoundRows,
            LearnedPolicy = evaluation.LearnedPolicy,
            NoMessage = evaluation.Arms[result.ControlArm],
            GainOverBestArm = evaluation.GainOverBestArm,
            GainOverNoMessage = evaluation.GainOverNoMessage,
            Arms = result.ArmNames.Select((name, a) => new OfferArmResponse(name, result.Costs[a].SendsMessage, ArmCostsInput.From(result.Costs[a]),
                evaluation.Arms[a], result.Shares[a].Share, result.Shares[a].LearnedShare)).ToList(),
            Recommendation = new OfferRecommendationResponse(evaluation.Recommendation.UseLearnedPolicy,
                evaluation.Recommendation.Arm is { } arm ? result.ArmNames[arm] : null, evaluation.Recommendation.Reason),
        };
    }
}

/// <summary>POST /api/experiments/{id}/policy/launch: what was created and who gets what.</summary>
/// <param name="ExperimentId">The new experiment ("… — offers round 2").</param>
/// <param name="CampaignId">Its scheduled campaign.</param>
/// <param name="Unreached">The sentence about rows that are not customers here or may not be mailed; null when every row is reached.</param>
public sealed record PolicyLaunchResponse(int ExperimentId, int CampaignId, string Name, int Recipients, int NotMailable, int NotCustomers, string? Unreached,
    IReadOnlyList<PolicyLaunchArmResponse> Arms)
{
    public static PolicyLaunchResponse From(PolicyLaunchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new PolicyLaunchResponse(result.ExperimentId!.Value, result.CampaignId!.Value, result.Name, result.Recipients, result.NotMailable, result.NotCustomers,
            result.Unreached, result.Arms.Select(a => new PolicyLaunchArmResponse(a.Arm, a.SendsMessage, a.Policy, a.Exploration, a.Holdout, a.Total)).ToList());
    }
}

/// <summary>Recipients of one arm in a launch: given by the policy, drawn for exploration, held out.</summary>
public sealed record PolicyLaunchArmResponse(string Arm, bool SendsMessage, int Policy, int Exploration, int Holdout, int Total);
