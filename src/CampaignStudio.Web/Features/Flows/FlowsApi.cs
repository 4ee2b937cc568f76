using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Flows;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>The flow editor's twin over HTTP: the same <see cref="FlowService"/> calls and role checks; refusals are a 400 with the reason in words.</summary>
public static class FlowsApi
{
    public static RouteGroupBuilder MapFlowsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/flows").WithTags("Flows");

        group.MapGet("", ListAsync).WithSummary("Every flow with its status, trigger in words and live counts (inside now, entered, finished, exited).");
        group.MapGet("/templates", ReadyMade).WithSummary("The ready-made flows a new flow can start from (welcome series, abandoned cart, win-back, post-purchase).");
        group.MapGet("/offers", OffersAsync)
            .WithSummary("The offers a condition split can use (\"offerGain\": experimentId, variantId, gainAbove): each offer of a trained offer policy with per-customer predicted gains, how many customers it scored and how many it pays for. Customers without a prediction take the \"no\" branch.");
        group.MapGet("/{id:int}", GetAsync).WithSummary("One flow: the version shown (the draft if any, else the live one) with its definition JSON and live counts per step.");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Creates a draft flow, from scratch or from a ready-made key (its e-mails are created when missing).");
        group.MapPut("/{id:int}/draft", SaveDraftAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Saves the draft's definition (a live flow gets a new draft version; customers inside stay on theirs). A bad definition is a 400 naming the step.");
        group.MapPost("/{id:int}/edit", EditAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Starts a new draft version of a live or paused flow, copied from the live one.");
        group.MapPost("/{id:int}/publish", PublishAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Switches the draft version on: it becomes live and each send step gets a Sending campaign.");
        group.MapPost("/{id:int}/pause", PauseAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Pauses a live flow and its step campaigns.");
        group.MapPost("/{id:int}/resume", ResumeAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Resumes a paused flow and the step campaigns its pause stopped (not those that paused themselves).");
        group.MapPost("/{id:int}/archive", ArchiveAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Switches a flow off for good: its step campaigns are cancelled; it stays for its reports.");
        group.MapDelete("/{id:int}", DeleteAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Deletes a flow that was never live.");
        return api;
    }

    public static async Task<Ok<List<FlowListItem>>> ListAsync(FlowService flows, CancellationToken ct) => TypedResults.Ok((await flows.ListAsync(ct)).ToList());

    public static Ok<IReadOnlyList<ReadyMadeFlow>> ReadyMade() => TypedResults.Ok(ReadyMadeFlows.All);

    public static async Task<Ok<List<OfferGainChoice>>> OffersAsync(FlowService flows, CancellationToken ct) => TypedResults.Ok((await flows.OffersAsync(ct)).ToList());

    public static async Task<Results<Ok<FlowResponse>, NotFound>> GetAsync(int id, FlowService flows, CancellationToken ct) =>
        await flows.GetAsync(id, ct) is { } detail ? TypedResults.Ok(FlowResponse.From(detail)) : TypedResults.NotFound();

    public static async Task<Results<Created<FlowResponse>, ProblemHttpResult>> CreateAsync(CreateFlowRequest request, FlowService flows, CancellationToken ct)
    {
        var change = await flows.CreateAsync(request.Name, request.ReadyMade, ct);
        if (change.FlowId is not { } id)
        {
            return Problem(change);
        }

        return TypedResults.Created($"/api/flows/{id}", FlowResponse.From((await flows.GetAsync(id, ct))!));
    }

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> SaveDraftAsync(int id, FlowDraftRequest request, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.SaveDraftAsync(id, request.Definition.ValueKind == JsonValueKind.Undefined ? null : request.Definition.GetRawText(), ct), flows, ct);

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> EditAsync(int id, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.EditLiveAsync(id, ct), flows, ct);

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> PublishAsync(int id, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.PublishAsync(id, ct), flows, ct);

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> PauseAsync(int id, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.PauseAsync(id, ct), flows, ct);

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> ResumeAsync(int id, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.ResumeAsync(id, ct), flows, ct);

    public static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> ArchiveAsync(int id, FlowService flows, CancellationToken ct) =>
        await AnswerAsync(await flows.ArchiveAsync(id, ct), flows, ct);

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(int id, FlowService flows, CancellationToken ct)
    {
        var change = await flows.DeleteDraftAsync(id, ct);
        return change.NotFound ? TypedResults.NotFound() : change.Succeeded ? TypedResults.NoContent() : Problem(change);
    }

    private static async Task<Results<Ok<FlowResponse>, NotFound, ProblemHttpResult>> AnswerAsync(FlowChange change, FlowService flows, CancellationToken ct)
    {
        if (change.NotFound)
        {
            return TypedResults.NotFound();
        }

        return change.FlowId is { } id ? TypedResults.Ok(FlowResponse.From((await flows.GetAsync(id, ct))!)) : Problem(change);
    }

    private static ProblemHttpResult Problem(FlowChange change) =>
        TypedResults.Problem(change.Problem, statusCode: StatusCodes.Status400BadRequest, title: "The flow cannot do that");
}

/// <summary>A new flow: from a ready-made key ("welcome", "abandoned_cart", "win_back", "post_purchase") or from scratch; the name is optional.</summary>
public sealed record CreateFlowRequest(string? Name, string? ReadyMade);

/// <summary>The draft's definition as a JSON object (the format of docs/decisions/053-flows.md).</summary>
public sealed record FlowDraftRequest(JsonElement Definition);

public sealed record FlowResponse(int Id, string Name, string? Description, [property: JsonConverter(typeof(JsonStringEnumConverter<FlowStatus>))] FlowStatus Status, string? StartedFrom, DateTime? LiveSince, int? LiveVersion,
    int? DraftVersion, int ShownVersion, JsonElement Definition, FlowCounts Counts, IReadOnlyDictionary<string, int> WaitingAtStep, int OnOlderVersions)
{
    public static FlowResponse From(FlowDetail d)
    {
        using var json = JsonDocument.Parse(d.Shown.DefinitionJson);
        return new(d.Flow.Id, d.Flow.Name, d.Flow.Description, d.Flow.Status, d.Flow.StartedFrom, d.Flow.LiveSince, d.Live?.Number, d.Draft?.Number, d.Shown.Number,
            json.RootElement.Clone(), d.Counts, d.WaitingAtStep, d.OnOlderVersions);
    }
}
