using System.Globalization;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Web.Api;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Privacy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Campaigns;

/// <summary>
/// Campaigns over HTTP, the twin of the wizard and the campaign page: the same <see cref="CampaignService"/> calls and role
/// checks. The wizard is an edit page, so its review is an edit route too. As in the wizard, a campaign is described by a draft (segment, optional experiment with an e-mail per arm, or one
/// template; schedule), reviewed, and created by its launch; the review's problems block the launch. Which status may follow
/// which stays in <c>CampaignLifecycle</c>: a refused move is a 409 naming the status the campaign is in. Results hide small
/// groups as the campaign page does (the privacy setting's k).
/// </summary>
public static class CampaignsApi
{
    public static RouteGroupBuilder MapCampaignsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/campaigns").WithTags("Campaigns");

        group.MapGet("", ListAsync).WithSummary("Every campaign (not a flow's send steps), newest first, with its audience and messages sent and failed.");
        group.MapGet("/choices", ChoicesAsync)
            .WithSummary("What the wizard offers: segments (not the audiences earlier campaigns froze), campaign experiments that are not finished with their arms, and templates.");
        group.MapPost("/review", ReviewAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("The wizard's review of a draft, without creating anything: audience, who may be mailed after consent, per arm with an experiment, "
                + "each e-mail rendered for a recipient with missing merge fields and spam warnings, the fairness check and the problems that block the launch.");
        group.MapPost("", LaunchAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Creates the campaign from a draft and hands it to the send worker, now or at the local time chosen (the wizard's Launch). "
                + "Refused with 400 and the review's problems while it has any.");
        group.MapGet("/{id:int}", GetAsync).WithSummary("One campaign with its status, schedule and live progress (queued, sent, failed, suppressed, cancelled; waiting for their best hour).");
        group.MapGet("/{id:int}/results", ResultsAsync)
            .WithSummary("Opens, clicks, conversions and revenue per variant (every arm with an experiment; 'noMessage' arms are measured on the experiment page). "
                + "A number is null where it would show a group of fewer than minGroupSize customers (the privacy setting), as on the campaign page.");
        group.MapPost("/{id:int}/pause", PauseAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Pauses a sending campaign; 409 when it is not sending.");
        group.MapPost("/{id:int}/resume", ResumeAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Resumes a paused campaign, also after an automatic pause (from then on its limits count only mail sent after this resume); 409 when it is not paused.");
        group.MapPost("/{id:int}/confirm", ConfirmAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Sends a campaign that was parked because it was found far past its time (AwaitingConfirmation); 409 otherwise.");
        group.MapPost("/{id:int}/cancel", CancelAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Cancels a campaign that is not finished: nothing more is sent, queued messages are cancelled; 409 when it has completed or is cancelled.");
        return api;
    }

    public static async Task<Ok<List<CampaignListItemResponse>>> ListAsync(CampaignService campaigns, CancellationToken ct) =>
        TypedResults.Ok((await campaigns.ListAsync(ct)).Select(c => new CampaignListItemResponse(c.Id, c.Name, c.Status.ToString(), c.Audience, c.Sent, c.Failed, c.LaunchedAt)).ToList());

    public static async Task<Ok<WizardChoices>> ChoicesAsync(CampaignService campaigns, CancellationToken ct) => TypedResults.Ok(await campaigns.ChoicesAsync(ct));

    public static async Task<Results<Ok<CampaignReviewResponse>, ProblemHttpResult>> ReviewAsync(CampaignRequest request, CampaignService campaigns, CancellationToken ct)
    {
        var (draft, problem) = await request.ToDraftAsync(campaigns, ct);
        return draft is null ? Problem(problem!) : TypedResults.Ok(CampaignReviewResponse.From(await campaigns.ReviewAsync(draft, ct)));
    }

    public static async Task<Results<Created<CampaignResponse>, ProblemHttpResult>> LaunchAsync(CampaignRequest request, CampaignService campaigns, CancellationToken ct)
    {
        var (draft, problem) = await request.ToDraftAsync(campaigns, ct);
        if (draft is null)
        {
            return Problem(problem!);
        }

        var launched = await campaigns.LaunchAsync(draft, ct);
        if (launched.CampaignId is not { } id)
        {
            return TypedResults.Problem(string.Join(" ", launched.Problems), statusCode: StatusCodes.Status400BadRequest, title: "The campaign cannot be launched yet",
                extensions: new Dictionary<string, object?> { ["problems"] = launched.Problems });
        }

        return TypedResults.Created($"/api/campaigns/{id}", CampaignResponse.From((await campaigns.ProgressAsync(id, ct))!));
    }

    public static async Task<Results<Ok<CampaignResponse>, NotFound>> GetAsync(int id, CampaignService campaigns, CancellationToken ct) =>
        await campaigns.ProgressAsync(id, ct) is { } progress ? TypedResults.Ok(CampaignResponse.From(progress)) : TypedResults.NotFound();

    public static async Task<Results<Ok<CampaignResultsResponse>, NotFound>> ResultsAsync(int id, CampaignService campaigns, PrivacySettingsService privacy, CancellationToken ct)
    {
        if (await campaigns.ProgressAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var k = await privacy.MinGroupSizeAsync(ct);
        return TypedResults.Ok(new CampaignResultsResponse(id, k, (await campaigns.ResultsAsync(id, ct)).Select(r => VariantResultResponse.From(r, k)).ToList()));
    }

    public static Task<Results<Ok<CampaignResponse>, NotFound, ProblemHttpResult>> PauseAsync(int id, CampaignService campaigns, CancellationToken ct) =>
        MoveAsync(id, campaigns, c => campaigns.PauseAsync(c, ct), "paused", ct);

    public static Task<Results<Ok<CampaignResponse>, NotFound, ProblemHttpResult>> ResumeAsync(int id, CampaignService campaigns, CancellationToken ct) =>
        MoveAsync(id, campaigns, c => campaigns.ResumeAsync(c, ct), "resumed", ct);

    public static Task<Results<Ok<CampaignResponse>, NotFound, ProblemHttpResult>> ConfirmAsync(int id, CampaignService campaigns, CancellationToken ct) =>
        MoveAsync(id, campaigns, c => campaigns.ConfirmOverdueAsync(c, ct), "confirmed", ct);

    public static Task<Results<Ok<CampaignResponse>, NotFound, ProblemHttpResult>> CancelAsync(int id, CampaignService campaigns, CancellationToken ct) =>
        MoveAsync(id, campaigns, c => campaigns.CancelAsync(c, ct), "cancelled", ct);

    /// <summary>The move itself is the service's (guarded by the lifecycle table); a refusal names the status the campaign is in now.</summary>
    private static async Task<Results<Ok<CampaignResponse>, NotFound, ProblemHttpResult>> MoveAsync(int id, CampaignService campaigns, Func<int, Task<bool>> move, string done,
        CancellationToken ct)
    {
        if (await campaigns.ProgressAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        if (!await move(id))
        {
            var now = (await campaigns.ProgressAsync(id, ct))!.Campaign.Status;
            return TypedResults.Problem($"The campaign is {now.ToString().ToLowerInvariant()}: it cannot be {done} now.", statusCode: StatusCodes.Status409Conflict,
                title: "The campaign cannot do that now");
        }

        return TypedResults.Ok(CampaignResponse.From((await campaigns.ProgressAsync(id, ct))!));
    }

    private static ProblemHttpResult Problem(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The draft cannot be read");
}

/// <summary>
/// A campaign as the wizard collects it. With an experiment, 'armTemplates' gives each arm (by name) its e-mail; null or an arm
/// left out keeps the arm's current e-mail, and null after it a "no message" arm. Without one, 'templateId' is the e-mail.
/// 'schedule' is "now" (default) or "later" with 'localSendTime' in 'timeZoneId' (an IANA or Windows id; default UTC).
/// </summary>
public sealed record CampaignRequest(string? Name, int? SegmentId, int? TemplateId, int? ExperimentId, Dictionary<string, int?>? ArmTemplates, string? DiscountTier,
    int? AttributionWindowDays, string? Schedule, DateTime? LocalSendTime, string? TimeZoneId, bool? DeliverAtBestHour)
{
    /// <summary>The wizard's draft: an experiment's arms come from the wizard's own choices, so only an experiment the wizard offers can be used.</summary>
    public async Task<(CampaignDraft? Draft, string? Problem)> ToDraftAsync(CampaignService campaigns, CancellationToken ct)
    {
        ScheduleKind? schedule = Schedule?.Trim().ToLowerInvariant() switch
        {
            null or "" or "now" => ScheduleKind.Now,
            "later" => ScheduleKind.Later,
            _ => null,
        };
        if (schedule is null)
        {
            return (null, $"schedule is 'now' or 'later' (was '{Schedule}').");
        }

        if (schedule == ScheduleKind.Later && LocalSendTime is null)
        {
            return (null, "A campaign scheduled for later needs its localSendTime (and timeZoneId).");
        }

        var draft = new CampaignDraft
        {
            Name = Name ?? "",
            SegmentId = SegmentId,
            TemplateId = ExperimentId is null ? TemplateId : null,
            DiscountTier = DiscountTier,
            AttributionWindowDays = AttributionWindowDays ?? 7,
            Schedule = schedule.Value,
            LocalSendTime = LocalSendTime is { } local ? DateTime.SpecifyKind(local, DateTimeKind.Unspecified) : null,
            TimeZoneId = string.IsNullOrWhiteSpace(TimeZoneId) ? "UTC" : TimeZoneId.Trim(),
            DeliverAtBestHour = DeliverAtBestHour ?? false,
        };
        if (ExperimentId is not { } experimentId)
        {
            return ArmTemplates is { Count: > 0 } ? (null, "armTemplates are for a campaign with an experiment; give templateId instead.") : (draft, null);
        }

        var experiment = (await campaigns.ChoicesAsync(ct)).Experiments.FirstOrDefault(e => e.Id == experimentId);
        if (experiment is null)
        {
            return (null, $"Experiment {experimentId.ToString(CultureInfo.InvariantCulture)} is not one a campaign can send: choose a campaign experiment that is not finished (GET /api/campaigns/choices).");
        }

        // As the wizard: each arm that can get mail starts with the e-mail it has, then the request's choices.
        draft.ExperimentId = experimentId;
        draft.Variants = experiment.Variants;
        foreach (var variant in experiment.Variants.Where(v => !v.IsHoldout))
        {
            draft.VariantTemplates[variant.Id] = variant.TemplateId;
        }

        foreach (var (arm, templateId) in ArmTemplates ?? [])
        {
            var variant = experiment.Variants.FirstOrDefault(v => string.Equals(v.Name, arm, StringComparison.OrdinalIgnoreCase));
            if (variant is null || variant.IsHoldout)
            {
                return (null, variant is null
                    ? $"The experiment has no arm '{arm}'; its arms are {string.Join(", ", experiment.Variants.Select(v => v.Name))}."
                    : $"'{arm}' is the long-term holdout: it never gets an e-mail.");
            }

            draft.VariantTemplates[variant.Id] = templateId;
        }

        return (draft, null);
    }
}

public sealed record CampaignListItemResponse(int Id, string Name, string Status, int Audience, int Sent, int Failed, DateTime? LaunchedAt);

/// <summary>
/// A campaign and its progress. Status: Draft, Scheduled, AwaitingConfirmation, Sending, Paused, Completed or Cancelled.
/// Messages: queued (incl. sending), sent, failed, suppressed (no consent at send time), cancelled.
/// </summary>
public sealed record CampaignResponse(int Id, string Name, string Status, int? SegmentId, string? SegmentName, int? SnapshotSegmentId, int? ExperimentId, int? TemplateId,
    DateTime? ScheduledAt, string TimeZoneId, bool DeliverAtBestHour, string? DiscountTier, int AttributionWindowDays, int Audience, DateTime CreatedAt, DateTime? LaunchedAt,
    DateTime? CompletedAt, string? AutoPauseReason, int Queued, int Sent, int Failed, int Suppressed, int Cancelled, int WaitingForTheirHour)
{
    public static CampaignResponse From(CampaignProgress p)
    {
        var c = p.Campaign;
        return new(c.Id, c.Name, c.Status.ToString(), c.SegmentId, p.SegmentName, c.SnapshotSegmentId, c.ExperimentId, c.EmailTemplateId, c.ScheduledAt, c.TimeZoneId,
            c.DeliverAtBestHour, c.DiscountTier, c.AttributionWindowDays, c.AudienceCount, c.CreatedAt, c.LaunchedAt, c.CompletedAt, c.IsAutoPaused ? c.AutoPauseReason : null,
            p.Queued, p.Sent, p.Failed, p.Suppressed, p.Cancelled, p.WaitingForTheirHour);
    }
}

/// <summary>The review: audience, mailable after consent, suppressed, who will be mailed, per arm, per e-mail, fairness, delivery hours, and the problems that block the launch.</summary>
public sealed record CampaignReviewResponse(int Audience, int Mailable, int Suppressed, int WillBeMailed, int NotMailedByDesign, bool CanLaunch, IReadOnlyList<string> Problems,
    IReadOnlyList<ArmReview> Arms, IReadOnlyList<ContentReviewResponse> Contents, IReadOnlyList<FairnessResponse> Fairness, DeliveryHours? DeliveryHours, string? Rollout)
{
    public static CampaignReviewResponse From(CampaignReview r) => new(r.Audience, r.Mailable, r.Suppressed, r.WillBeMailed, r.NotMailedByDesign, r.CanLaunch, r.Problems,
        r.Arms, r.Contents.Select(ContentReviewResponse.From).ToList(), r.Fairness.Select(f => FairnessResponse.From(f.Attribute, f.Report)).ToList(), r.DeliveryHours, r.Rollout);
}

/// <summary>One e-mail of the campaign: rendered for a recipient (null when it cannot be), its errors, spam warnings, and merge fields some recipients have no value for.</summary>
public sealed record ContentReviewResponse(string Label, string TemplateName, PreviewResponse Preview, int? MergeFieldRecipients, IReadOnlyList<MissingMergeFieldResponse> MissingMergeFields)
{
    public static ContentReviewResponse From(ContentReview c) => new(c.Label, c.TemplateName,
        new PreviewResponse(c.Preview?.Subject, c.Preview?.Preheader, c.Preview?.Html, c.Preview?.Text, TemplateErrorResponse.From(c.Errors), c.SpamWarnings, c.FieldWarnings ?? []),
        c.MergeFields?.RecipientCount, c.MergeFields?.Missing.Select(m => new MissingMergeFieldResponse(m.Path, m.MissingCount, m.IsKnown)).ToList() ?? []);
}

/// <summary>A merge field without a fallback, how many of the checked recipients have no value for it, and whether the studio knows the field at all.</summary>
public sealed record MissingMergeFieldResponse(string Field, int Recipients, bool IsKnown);

/// <summary>
/// Who would be mailed per group of one attribute against all customers: the ratio of the lowest to the highest share
/// (null when nobody is compared), flagged under the four-fifths threshold; small and "not given" groups are left out of the ratio.
/// </summary>
public sealed record FairnessResponse(string Attribute, double? Ratio, double Threshold, bool Flagged, int MinGroupSize, IReadOnlyList<FairnessGroupResponse> Groups)
{
    public static FairnessResponse From(string attribute, Analytics.Uplift.FairnessReport report) => new(attribute,
        double.IsFinite(report.DisparateImpactRatio) ? report.DisparateImpactRatio : null, report.Threshold, report.Flagged, report.MinGroupSize,
        report.Groups.Select(g => new FairnessGroupResponse(g.Group, SmallGroups.ValueOrNull(g.N, report.MinGroupSize), SmallGroups.ValueOrNull(g.Selected, report.MinGroupSize),
            SmallGroups.HidesRate(g.Selected, g.N, report.MinGroupSize) || !double.IsFinite(g.SelectionRate) ? null : g.SelectionRate, g.Excluded.ToString())).ToList());
}

/// <summary>A group of the fairness check; counts and share are null where they would show fewer than k customers.</summary>
public sealed record FairnessGroupResponse(string Group, long? Customers, long? Mailed, double? Share, string Excluded);

/// <summary>A campaign's results; minGroupSize is the privacy setting's k under which numbers are not shown.</summary>
public sealed record CampaignResultsResponse(int CampaignId, int MinGroupSize, IReadOnlyList<VariantResultResponse> Variants);

/// <summary>
/// One variant's results. Null hides a small group as the campaign page's "–" and "&lt; k" do: sent when fewer than k; opened,
/// clicked and conversions when they or the rest of the sent are; revenue when sent or conversions are.
/// </summary>
public sealed record VariantResultResponse(string Variant, bool NoMessage, long? Customers, long? Sent, long? Opened, long? Clicked, long? Conversions, decimal? Revenue)
{
    public static VariantResultResponse From(VariantResult r, int k) => new(r.Variant, r.NoMessage, SmallGroups.ValueOrNull(r.Customers, k), SmallGroups.ValueOrNull(r.Sent, k),
        Within(r.Opened, r.Sent, k), Within(r.Clicked, r.Sent, k), Within(r.Conversions, r.Sent, k),
        SmallGroups.IsSuppressed(r.Sent, k) || SmallGroups.IsSuppressed(r.Conversions, k) ? null : r.Revenue);

    private static long? Within(long part, long sent, int k) => SmallGroups.HidesRate(part, sent, k) ? null : part;
}
