using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.SenderHealth;

/// <summary>Sender health and the automatic pause limits over HTTP: the same service and role checks as the page and the Settings tab.</summary>
public static class SenderHealthApi
{
    public static RouteGroupBuilder MapSenderHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/sender-health", GetHealthAsync).WithTags("Sender health")
            .WithSummary("Sender health over the mail sent in the last `days` days (default 30, at most 366): per sending domain, per campaign and per day of " +
                "sending (of all mail, of `domain`, or of `campaignId`) — sent, delivered, hard and soft bounces, spam complaints, unsubscribes and their rates " +
                "(hard bounces / sent; complaints and unsubscribes / delivered) — the automatic pause limits, and how long the oldest opt-out waited before it " +
                "was honoured (must be zero). Small groups: a count is null when it or its rest is below the privacy setting k, a rate with it; `about` marks a " +
                "total rounded to a multiple of k because a part of it is hidden. Every role.");
        var settings = api.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/automatic-pause", GetLimitsAsync)
            .WithSummary("The automatic pause limits: a sending campaign pauses itself when hard bounces reach hardBounceRate of sent mail (from " +
                "hardBounceMinimumSent sent; default 0.05 from 500) or complaints reach complaintRate of delivered mail (from complaintMinimumDelivered; " +
                "default 0.003 from 1,000). Every role.");
        settings.MapPut("/automatic-pause", SaveLimitsAsync).RequireAuthorization(Policies.CanAdminister)
            .WithSummary("Sets the automatic pause limits, {\"hardBounceRate\":0.05,\"hardBounceMinimumSent\":500,\"complaintRate\":0.003,\"complaintMinimumDelivered\":1000}. " +
                "Rates are shares above 0 and at most 1; minimums at least 1. 400 with the reason otherwise. Admin only.");
        settings.MapGet("/sending-rules", GetRulesAsync)
            .WithSummary("The sending rules every marketing mail obeys: maxPerDay / maxPerWeek (a customer gets at most this many mails in any 24 hours / " +
                "7 days over every campaign and flow; null: no cap), quietFrom / quietUntil (HH:mm local, e.g. 21:00 and 08:00: flows wait them out; " +
                "null: none) and defaultTimeZone (IANA, for customers without one). Every role.");
        settings.MapPut("/sending-rules", SaveRulesAsync).RequireAuthorization(Policies.CanAdminister)
            .WithSummary("Sets the sending rules, {\"maxPerDay\":1,\"maxPerWeek\":3,\"quietFrom\":\"21:00\",\"quietUntil\":\"08:00\",\"defaultTimeZone\":\"Europe/Berlin\"}. " +
                "400 with the reason when they cannot be used. Admin only.");
        return api;
    }

    public static async Task<Ok<SendingRulesBody>> GetRulesAsync(SendingRulesService rules, CancellationToken ct) =>
        TypedResults.Ok(SendingRulesBody.From(await rules.GetAsync(ct)));

    public static async Task<Results<Ok<SendingRulesBody>, ProblemHttpResult>> SaveRulesAsync(SendingRulesBody body, SendingRulesService rules, CancellationToken ct)
    {
        if (body.ToRules() is not { } value)
        {
            return TypedResults.Problem(detail: "Quiet hours are times of day as HH:mm, e.g. 21:00.", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            await rules.SaveAsync(value, ct);
            return TypedResults.Ok(SendingRulesBody.From(await rules.GetAsync(ct)));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(detail: ex.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status400BadRequest);
        }
    }

    public static async Task<Ok<SenderHealthResponse>> GetHealthAsync(SenderHealthService service, int? days, string? domain, int? campaignId, CancellationToken ct) =>
        TypedResults.Ok(SenderHealthResponse.Of(await service.GetAsync(new HealthScope(domain, campaignId), days ?? SenderHealthService.DefaultDays, ct)));

    public static async Task<Ok<AutomaticPauseBody>> GetLimitsAsync(SenderHealthService service, CancellationToken ct) =>
        TypedResults.Ok(AutomaticPauseBody.From(await service.LimitsAsync(ct)));

    public static async Task<Results<Ok<AutomaticPauseBody>, ProblemHttpResult>> SaveLimitsAsync(AutomaticPauseBody body, SenderHealthService service, CancellationToken ct)
    {
        try
        {
            await service.SaveLimitsAsync(new AutomaticPauseLimits(body.HardBounceRate, body.HardBounceMinimumSent, body.ComplaintRate, body.ComplaintMinimumDelivered), ct);
            return TypedResults.Ok(AutomaticPauseBody.From(await service.LimitsAsync(ct)));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(detail: ex.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status400BadRequest);
        }
    }
}

/// <summary>The automatic pause limits; rates are shares (0.003 = 0.3 %).</summary>
public sealed record AutomaticPauseBody(double HardBounceRate, int HardBounceMinimumSent, double ComplaintRate, int ComplaintMinimumDelivered)
{
    public static AutomaticPauseBody From(AutomaticPauseLimits l) => new(l.HardBounceRate, l.HardBounceMinimumSent, l.ComplaintRate, l.ComplaintMinimumDelivered);
}

/// <param name="OptOutWaitSeconds">How long the oldest opt-out waited before it was honoured, in seconds; 0 is the only good answer.</param>
public sealed record SenderHealthResponse(DateTime From, DateTime To, int Days, int MinGroupSize, AutomaticPauseBody Limits, double OptOutWaitSeconds,
    DateTime? OptOutWaitingSince, bool OptOutStillWaiting, HealthFigures Overall, IReadOnlyList<HealthGroupRow> Domains, IReadOnlyList<CampaignHealthResponse> Campaigns,
    string Scope, IReadOnlyList<HealthDay> Daily)
{
    public static SenderHealthResponse Of(SenderHealthReport r) => new(r.From, r.To, r.Days, r.MinGroupSize, AutomaticPauseBody.From(r.Limits), r.OptOutWait.Longest.TotalSeconds,
        r.OptOutWait.OptedOutAt, r.OptOutWait.StillWaiting, r.Overall, r.Domains,
        [.. r.Campaigns.Select(c => new CampaignHealthResponse(c.CampaignId, c.Name, c.Status.ToString(), c.SendingDomain, c.AutoPaused, c.AutoPauseReason, c.Figures))],
        r.ScopeName, r.Daily);
}

public sealed record CampaignHealthResponse(int Id, string Name, string Status, string SendingDomain, bool PausedAutomatically, string? PauseReason, HealthFigures Figures);

/// <summary>The sending rules; times of day as HH:mm.</summary>
public sealed record SendingRulesBody(int? MaxPerDay, int? MaxPerWeek, string? QuietFrom, string? QuietUntil, string DefaultTimeZone)
{
    public static SendingRulesBody From(SendingRules r) =>
        new(r.MaxPerDay, r.MaxPerWeek, r.QuietFrom?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            r.QuietUntil?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), r.DefaultTimeZone);

    /// <summary>The rules, or null when a time of day cannot be read.</summary>
    public SendingRules? ToRules()
    {
        static (bool Ok, TimeOnly? Time) Read(string? text) =>
            string.IsNullOrWhiteSpace(text) ? (true, null) : CampaignStudio.Domain.Flows.FlowDefinitionJson.TryLocalTime(text, out var t) ? (true, t) : (false, null);
        var (fromOk, from) = Read(QuietFrom);
        var (untilOk, until) = Read(QuietUntil);
        return fromOk && untilOk ? new SendingRules(MaxPerDay, MaxPerWeek, from, until, DefaultTimeZone) : null;
    }
}
