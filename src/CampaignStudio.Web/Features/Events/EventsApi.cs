using System.Text.Json;
using System.Text.Json.Nodes;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Events;

/// <summary>
/// <c>POST /api/events</c>: a shop's backend tells the studio what a customer just did (decision 052). Admin and Marketer
/// keys write events, as they import them; a Manager changes nothing. Every event gets its own answer in order —
/// accepted, duplicate (a retry) or refused with the reason — and a bad event never costs the good ones.
/// </summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/events", TrackAsync)
            .WithTags("Events")
            .RequireAuthorization(Policies.CanEdit)
            .RequireRateLimiting(EventsFeature.RateLimitPolicy)
            .Accepts<TrackEventsRequest>("application/json")
            .Produces<TrackEventsResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Tracks what customers did as it happens: one event, or up to 1,000 as {\"events\": [...]}; idempotent per eventId.")
            .WithDescription($"""
                Admin or Marketer API key (`X-Api-Key`); a Manager key gets 403. Each event: `eventId` (yours, required, at most
                {TrackedEvents.MaxEventId} characters; the same id again for the same customer is answered `duplicate` and not stored twice),
                `type` (required, lower_snake, at most {Limits.EventType} characters, e.g. {string.Join(", ", TrackedEvents.ShopEventTypes)}),
                the customer by `email` or `externalId` (the e-mail decides when both are given; an unknown customer is created with unknown
                consent, as an import does), `occurredAt` (optional ISO-8601 with an offset, default now; at most `Events:MaxClockSkew`
                (5 minutes) ahead and `Events:MaxAge` (30 days) old), `properties` (optional JSON object, at most {TrackedEvents.MaxPropertiesBytes / 1024} KB).
                The answer (200) lists per event, in order: `accepted`, `duplicate` or `refused` with the reason; refused events are not
                stored, the others are, and they are committed before the answer. Over 1,000 events: 413. Too many requests for one key: 429 with Retry-After.
                """);
        return api;
    }

    public static async Task<Results<Ok<TrackEventsResponse>, ProblemHttpResult>> TrackAsync(HttpRequest request, TrackedEventWriter writer, EventsOptions options,
        TimeProvider clock, CurrentUser user, CustomerCountCache counts, CancellationToken ct)
    {
        await user.RequireAsync(Policies.CanEdit);
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException ex)
        {
            return Problem($"The body is not valid JSON ({ex.Message}). Send one event object or {{\"events\": [...]}}.", StatusCodes.Status400BadRequest);
        }

        using (body)
        {
            var read = TrackedEventReader.Read(body.RootElement, clock.GetUtcNow(), options.MaxClockSkew, options.MaxAge);
            if (read.Problem is { } problem)
            {
                return Problem(problem, read.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
            }

            var stored = await writer.StoreAsync(read.Items, ct);
            if (stored.Any(r => r.Outcome == TrackedEventOutcome.Accepted))
            {
                // An event may have created its customer.
                counts.Invalidate();
            }

            var results = stored.Select((result, i) => new TrackedEventStatus(i + 1, read.Items[i].EventId, result.Outcome.ToString().ToLowerInvariant(), result.Reason)).ToList();
            return TypedResults.Ok(new TrackEventsResponse(
                results.Count(r => r.Status == "accepted"), results.Count(r => r.Status == "duplicate"), results.Count(r => r.Status == "refused"), results));
        }
    }

    private static ProblemHttpResult Problem(string detail, int status) => TypedResults.Problem(detail, statusCode: status);
}

/// <summary>The batch form of <c>POST /api/events</c>; one event object alone is accepted too.</summary>
public sealed record TrackEventsRequest(IReadOnlyList<TrackEventInput> Events);

/// <summary>One event as a shop sends it (see <see cref="TrackedEvents"/> for the rules).</summary>
public sealed record TrackEventInput(string EventId, string Type, string? Email, string? ExternalId, DateTimeOffset? OccurredAt, JsonObject? Properties);

/// <summary>The answer: counts, and one status per event in the request's order.</summary>
public sealed record TrackEventsResponse(int Accepted, int Duplicates, int Refused, IReadOnlyList<TrackedEventStatus> Results);

/// <summary>An event's status: accepted, duplicate (stored before: not stored twice) or refused (with the reason); item is 1-based.</summary>
public sealed record TrackedEventStatus(int Item, string? EventId, string Status, string? Reason);
