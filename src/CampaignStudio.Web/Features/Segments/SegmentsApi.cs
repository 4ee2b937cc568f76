using System.Text.Json;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>
/// The segment builder over HTTP, the twin of the segments list and the rule builder: the same <see cref="SegmentService"/>
/// calls and role checks. Rules travel as the versioned rule JSON a segment stores (decision 010). Counting a rule that is
/// not saved is part of building one, so it needs an edit role (as rendering template source does); every role counts a saved segment.
/// </summary>
public static class SegmentsApi
{
    public static RouteGroupBuilder MapSegmentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/segments").WithTags("Segments");

        group.MapGet("/suggestions", SuggestionsAsync)
            .WithSummary("Values for a city, country or bought-category condition that contain the search text (any case), most frequent first; "
                + "counted after each import, so a value typed freely is always allowed too.");
        group.MapGet("", ListAsync).WithSummary("Every segment but frozen snapshots, by name: rule, cluster and uplift segments.");
        group.MapGet("/{id:int}", GetAsync).WithSummary("One segment with its rule JSON (rule segments) or its frozen member count (lists).");
        group.MapGet("/{id:int}/preview", PreviewSavedAsync)
            .WithSummary("A saved segment's members now: the count, everyone, a sample of ten and the spend mix against everyone.");
        group.MapPost("/preview", PreviewAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Counts a rule without saving it, as the builder's live count does: conditions not filled in yet are left out and listed in 'unfinished'; "
                + "a part filled in wrongly is the 'error', in words.");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Saves a new rule segment; every condition must be filled in. A problem is a 400 naming the condition in words.");
        group.MapPut("/{id:int}", UpdateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Saves a rule segment's name, description and rule (cluster, uplift and snapshot segments are fixed lists: 400).");
        group.MapPost("/{id:int}/duplicate", DuplicateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Copies a segment as “Copy of …” (a list segment's members are copied too).");
        group.MapPost("/{id:int}/freeze", FreezeAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Freezes today's members into a snapshot segment (what a campaign does with its audience at launch).");
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> SuggestionsAsync(string field, string? search, int? take, SegmentService segments, CancellationToken ct)
    {
        if (!SuggestedValue.Fields.Contains(field))
        {
            return TypedResults.Problem($"Suggestions exist for the fields {string.Join(", ", SuggestedValue.Fields)}, not '{(field.Length > 40 ? field[..40] + "…" : field)}'.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await segments.SuggestValuesAsync(field, search, take ?? Data.Segments.SuggestedValueStore.MaxSuggestions, ct));
    }

    public static async Task<Ok<List<SegmentResponse>>> ListAsync(SegmentService segments, CancellationToken ct) =>
        TypedResults.Ok((await segments.ListAsync(ct)).Select(SegmentResponse.From).ToList());

    public static async Task<Results<Ok<SegmentResponse>, NotFound>> GetAsync(int id, SegmentService segments, CancellationToken ct) =>
        await segments.GetAsync(id, ct) is { } segment ? TypedResults.Ok(SegmentResponse.From(segment)) : TypedResults.NotFound();

    public static async Task<Results<Ok<SegmentPreviewResponse>, NotFound, ProblemHttpResult>> PreviewSavedAsync(int id, SegmentService segments, CancellationToken ct)
    {
        if (await segments.GetAsync(id, ct) is not { } segment)
        {
            return TypedResults.NotFound();
        }

        // A list segment is counted as membership of itself: the same rule the review and the launch use.
        var rule = segment.Kind == SegmentKind.Rule && SegmentRuleJson.Parse(segment.RuleJson) is { Rule: { } stored }
            ? stored
            : new SegmentRule { Root = new RuleCondition(RuleFields.Segment, RuleOperators.MemberOf) { Value = id.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        return TypedResults.Ok(SegmentPreviewResponse.From(await segments.PreviewAsync(rule, segment.Kind == SegmentKind.Rule ? id : null, ct)));
    }

    public static async Task<Results<Ok<SegmentPreviewResponse>, ProblemHttpResult>> PreviewAsync(RulePreviewRequest request, SegmentService segments, CancellationToken ct)
    {
        var read = SegmentRuleJson.ReadDraft(RuleText(request.Rule));
        if (read.Rule is not { } rule)
        {
            return Problem(read.Error!);
        }

        return TypedResults.Ok(SegmentPreviewResponse.From(await segments.PreviewAsync(rule, request.SegmentId, ct)));
    }

    public static async Task<Results<Created<SegmentResponse>, ProblemHttpResult>> CreateAsync(SegmentRequest request, SegmentService segments, CancellationToken ct)
    {
        var read = SegmentRuleJson.ReadDraft(RuleText(request.Rule));
        if (read.Rule is not { } rule)
        {
            return Problem(read.Error!);
        }

        var saved = await segments.SaveAsync(null, request.Name ?? "", request.Description, rule, ct);
        if (saved.Id is not { } id)
        {
            return Problem(saved.Error!);
        }

        return TypedResults.Created($"/api/segments/{id}", SegmentResponse.From((await segments.GetAsync(id, ct))!));
    }

    public static async Task<Results<Ok<SegmentResponse>, NotFound, ProblemHttpResult>> UpdateAsync(int id, SegmentRequest request, SegmentService segments, CancellationToken ct)
    {
        if (await segments.GetAsync(id, ct) is not { } existing)
        {
            return TypedResults.NotFound();
        }

        if (existing.Kind != SegmentKind.Rule)
        {
            return Problem($"This is a {existing.Kind.ToString().ToLowerInvariant()} segment: its members are a fixed list. Duplicate it to keep a copy, or build a rule segment.");
        }

        var read = SegmentRuleJson.ReadDraft(RuleText(request.Rule));
        if (read.Rule is not { } rule)
        {
            return Problem(read.Error!);
        }

        var saved = await segments.SaveAsync(id, request.Name ?? "", request.Description, rule, ct);
        return saved.Id is null ? Problem(saved.Error!) : TypedResults.Ok(SegmentResponse.From((await segments.GetAsync(id, ct))!));
    }

    public static async Task<Results<Created<SegmentResponse>, NotFound>> DuplicateAsync(int id, SegmentService segments, CancellationToken ct)
    {
        if (await segments.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var copy = await segments.DuplicateAsync(id, ct);
        return TypedResults.Created($"/api/segments/{copy}", SegmentResponse.From((await segments.GetAsync(copy, ct))!));
    }

    public static async Task<Results<Created<SegmentResponse>, NotFound>> FreezeAsync(int id, SegmentService segments, CancellationToken ct)
    {
        if (await segments.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var snapshot = await segments.FreezeAsync(id, ct);
        return TypedResults.Created($"/api/segments/{snapshot}", SegmentResponse.From((await segments.GetAsync(snapshot, ct))!));
    }

    private static string? RuleText(JsonElement rule) => rule.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : rule.GetRawText();

    private static ProblemHttpResult Problem(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The segment cannot be saved that way");
}

/// <summary>A rule segment: its name, an optional description and the rule as JSON (<c>{"version":1,"root":{...}}</c>, decision 010).</summary>
public sealed record SegmentRequest(string? Name, string? Description, JsonElement Rule);

/// <summary>A rule to count, maybe unfinished; with the id of the segment being edited, so a rule may not name itself.</summary>
public sealed record RulePreviewRequest(JsonElement Rule, int? SegmentId = null);

/// <summary>A segment. Kind: Rule (members are whoever matches now), Cluster, Snapshot or Uplift (fixed lists with their count).</summary>
public sealed record SegmentResponse(int Id, string Name, string? Description, string Kind, JsonElement? Rule, int? MemberCount, DateTime? CountedAt,
    int? SourceSegmentId, string CreatedBy, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static SegmentResponse From(Segment s)
    {
        JsonElement? rule = null;
        if (s.RuleJson is { Length: > 0 } json)
        {
            using var document = JsonDocument.Parse(json);
            rule = document.RootElement.Clone();
        }

        return new(s.Id, s.Name, s.Description, s.Kind.ToString(), rule, s.MemberCount, s.CountedAt, s.SourceSegmentId, s.CreatedBy, s.CreatedAt, s.UpdatedAt);
    }
}

/// <summary>
/// A count: members, everyone (not erased), a sample of ten members, the share of members and of everyone per spend bucket;
/// the conditions left out because they are not filled in yet; the error when a part is filled in wrongly (then nothing is counted).
/// </summary>
public sealed record SegmentPreviewResponse(int Count, int Everyone, double Share, IReadOnlyList<SegmentSampleMember> Sample, IReadOnlyList<SpendBucket> SegmentSpend,
    IReadOnlyList<SpendBucket> EveryoneSpend, IReadOnlyList<string> Unfinished, string? Error)
{
    public static SegmentPreviewResponse From(SegmentPreview p) => new(p.Count, p.Everyone, p.Share, p.Sample, p.SegmentSpend, p.EveryoneSpend, p.Unfinished, p.Error);
}
