using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Webhooks;
using CampaignStudio.Sending.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>Registers an outbound webhook endpoint: its address and the events it wants (names of <see cref="WebhookEvents"/>).</summary>
public sealed record WebhookEndpointRequest(string Url, IReadOnlyList<string> Events);

/// <summary>A registered endpoint with its signing secret, shown only in this answer.</summary>
public sealed record WebhookEndpointCreated(WebhookEndpointView Endpoint, string Secret);

/// <summary>Outbound webhooks over HTTP: the same service and Admin check as the Settings tab.</summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/settings/webhooks").WithTags("Settings").RequireAuthorization(Policies.CanAdminister);
        hooks.MapGet("/", ListAsync)
            .WithSummary("The outbound webhook endpoints with their delivered, pending and failed counts. Never a secret. Admin only.");
        hooks.MapPost("/", CreateAsync)
            .WithSummary("Registers an endpoint: {\"url\":\"https://shop.example/hooks\",\"events\":[\"OptIn\",\"OptOut\",\"Bounce\",\"Complaint\",\"CampaignFinished\"]}. " +
                "201 with the signing secret, shown only now. Each delivery is a JSON POST {id, type, occurredAt, data} with Webhook-Id (the same on every attempt), " +
                "Webhook-Timestamp (Unix seconds) and Webhook-Signature: v1=hex HMAC-SHA256 of \"{timestamp}.{body}\" under the secret. 400 in words. Admin only.");
        hooks.MapGet("/{id:int}/deliveries", LogAsync)
            .WithSummary("The endpoint's delivery log, newest first: event type, status (Pending, Delivered, Failed), attempts, the last status code and error. Admin only.");
        hooks.MapPost("/{id:int}/test", SendTestAsync)
            .WithSummary("Queues a signed test event for this endpoint (type \"test\"); it is delivered and logged like any other. 202 with the delivery id. Admin only.");
        hooks.MapPost("/deliveries/{deliveryId:long}/retry", RetryAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Queues a failed delivery again from its first attempt, with the same body and Webhook-Id; 202 with the delivery id. 400 when it is not failed. Admin only.");
        hooks.MapDelete("/{id:int}", DeleteAsync)
            .WithSummary("Removes an endpoint and its delivery log; nothing more is sent to it. Admin only.");
        return api;
    }

    public static async Task<Ok<IReadOnlyList<WebhookEndpointView>>> ListAsync(WebhookService hooks, CancellationToken ct) => TypedResults.Ok(await hooks.ListAsync(ct));

    public static async Task<Results<Created<WebhookEndpointCreated>, ProblemHttpResult>> CreateAsync(WebhookEndpointRequest request, WebhookService hooks, CancellationToken ct)
    {
        var events = WebhookEvents.None;
        foreach (var name in request.Events ?? [])
        {
            if (!Enum.TryParse<WebhookEvents>(name, ignoreCase: true, out var e) || !WebhookService.Events.Any(x => x.Event == e))
            {
                return TypedResults.Problem($"“{name}” is not an event: use OptIn, OptOut, Bounce, Complaint or CampaignFinished.", statusCode: StatusCodes.Status400BadRequest);
            }

            events |= e;
        }

        try
        {
            var (endpoint, secret) = await hooks.CreateAsync(request.Url ?? "", events, ct);
            return TypedResults.Created($"/api/settings/webhooks/{endpoint.Id}/deliveries", new WebhookEndpointCreated(endpoint, secret));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    public static async Task<Results<Ok<IReadOnlyList<WebhookDeliveryView>>, NotFound>> LogAsync(int id, WebhookService hooks, CancellationToken ct) =>
        await hooks.LogAsync(id, ct) is { } log ? TypedResults.Ok(log) : TypedResults.NotFound();

    public static async Task<Results<Accepted<long>, NotFound>> SendTestAsync(int id, WebhookService hooks, CancellationToken ct) =>
        await hooks.SendTestAsync(id, ct) is { } delivery ? TypedResults.Accepted($"/api/settings/webhooks/{id}/deliveries", delivery) : TypedResults.NotFound();

    /// <summary>202 with the delivery's id, as a test event is: the retry is queued, and the delivery log shows when it went.</summary>
    public static async Task<Results<Accepted<long>, ProblemHttpResult>> RetryAsync(long deliveryId, WebhookService hooks, CancellationToken ct)
    {
        try
        {
            await hooks.RetryAsync(deliveryId, ct);
            return TypedResults.Accepted((string?)null, deliveryId);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    public static async Task<Results<NoContent, NotFound>> DeleteAsync(int id, WebhookService hooks, CancellationToken ct) =>
        await hooks.DeleteAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}
