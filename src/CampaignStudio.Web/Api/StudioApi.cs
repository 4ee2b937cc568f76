using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Identity;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Features.Assets;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Features.Events;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Features.Flows;
using CampaignStudio.Web.Features.Products;
using CampaignStudio.Web.Features.Segments;
using CampaignStudio.Web.Features.Flows.Results;
using CampaignStudio.Web.Features.SenderHealth;
using CampaignStudio.Web.Features.Settings;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Api;

/// <summary>
/// The REST API under /api. Same role rules as the UI: every route needs a studio role; writes need Admin or Marketer.
/// Sign in with a bearer token (POST /api/auth/login) or send a per-user key in X-Api-Key.
/// </summary>
public static class StudioApi
{
    public const int MaxBatch = 10_000;

    public static IEndpointRouteBuilder MapStudioApi(this IEndpointRouteBuilder app)
    {
        // Identity's token endpoints; self-registration is off (see UseNoSelfRegistration): an admin creates users.
        // /register answers 404 (UseNoSelfRegistration), so the document does not offer it.
        app.MapGroup("/api/auth").WithTags("Authentication").AllowAnonymous().MapIdentityApi<AppUser>()
            .Add(endpoint =>
            {
                if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route } && route.EndsWith("/register", StringComparison.Ordinal))
                {
                    endpoint.Metadata.Add(new ExcludeFromDescriptionAttribute());
                }
            });

        var api = app.MapGroup("/api").RequireAuthorization(Policies.CanRead).AddEndpointFilter(ForbiddenAsProblem).AddEndpointFilter(UnusableRuleAsProblem);

        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("/", async ([AsParameters] CustomerListRequest request, CustomerService service, CancellationToken ct) =>
            TypedResults.Ok(await service.QueryAsync(new CustomerQuery(request.Search, request.Sort, request.Descending ?? false, request.Page ?? 0, request.PageSize ?? 50), ct)))
            .WithSummary("Pages through customers (search: prefix of e-mail or name, or exact external id).");
        customers.MapGet("/{id:long}", async Task<Results<Ok<CustomerResponse>, NotFound>> (long id, CustomerService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } detail ? TypedResults.Ok(CustomerResponse.From(detail)) : TypedResults.NotFound())
            .WithSummary("One customer with purchase totals and current consent.");
        customers.MapGet("/{id:long}/consent", async Task<Results<Ok<CustomerConsentResponse>, NotFound>> (long id, CustomerService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } detail ? TypedResults.Ok(CustomerConsentResponse.From(detail)) : TypedResults.NotFound())
            .WithTags("Consent")
            .WithSummary("A customer's current e-mail consent and its proof: the consent log, newest first (who, when, channel, purpose, source, wording version, actor, IP, campaign, note).");
        customers.MapPost("/batch", (CustomerBatch batch, CsvImporter importer, CustomerCountCache counts, CurrentUser user, CancellationToken ct) =>
                UpsertAsync(user, importer, counts, ImportKind.Customers, batch.MatchOn ?? ImportFields.Email, CustomerInput.Fields(batch.Customers), batch.Customers.Select(c => c.ToRow(batch.Customers)).ToList(), ct))
            .RequireAuthorization(Policies.CanEdit)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Upserts up to 10,000 customers by e-mail (or external id). Bad items are reported by position; the rest are saved.");

        api.MapPost("/purchases/batch", (PurchaseBatch batch, CsvImporter importer, CustomerCountCache counts, CurrentUser user, IDbContextFactory<AppDbContext> dbFactory,
                TimeProvider clock, CancellationToken ct) =>
                new CustomerStatsRefresher(dbFactory, clock).RefreshAfterPurchasesAsync(() =>
                    UpsertAsync(user, importer, counts, ImportKind.Purchases, batch.MatchOn ?? ImportFields.Email, PurchaseInput.Fields, batch.Purchases.Select(p => p.ToRow()).ToList(), ct), ct))
            .RequireAuthorization(Policies.CanEdit).WithTags("Purchases").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Adds purchases (idempotent per order id, or per identical row). Unknown customers are created with unknown consent.");

        api.MapPost("/events/batch", (EventBatch batch, CsvImporter importer, CustomerCountCache counts, CurrentUser user, CancellationToken ct) =>
                UpsertAsync(user, importer, counts, ImportKind.Events, batch.MatchOn ?? ImportFields.Email, EventInput.Fields, batch.Events.Select(e => e.ToRow()).ToList(), ct))
            .RequireAuthorization(Policies.CanEdit).WithTags("Events").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Adds customer events (idempotent per event id, or per identical event).");

        api.MapEventsApi();
        api.MapImportsApi();
        api.MapProductsApi();
        api.MapExperimentsApi();
        api.MapOffersApi();
        api.MapSendingDomainApi();
        api.MapWebhooksApi();
        api.MapProviderWebhooksApi();
        api.MapTemplatesApi();
        api.MapSegmentsApi();
        api.MapSenderHealthApi();
        api.MapBrandApi();
        api.MapAssetsApi();
        api.MapFlowResultsApi();
        api.MapFlowsApi();
        api.MapCampaignsApi();

        return app;
    }

    /// <summary>Identity's API includes /register; the studio has no self-registration, so that route answers 404.</summary>
    public static IApplicationBuilder UseNoSelfRegistration(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api/auth/register"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await next(context);
    });

    private static async Task<Results<Ok<BatchResult>, ProblemHttpResult>> UpsertAsync(CurrentUser user, CsvImporter importer, CustomerCountCache counts, ImportKind kind, string matchOn, IReadOnlyList<string> fields,
        IReadOnlyList<string[]> rows, CancellationToken ct)
    {
        await user.RequireAsync(Policies.CanEdit);
        if (rows.Count > MaxBatch)
        {
            return TypedResults.Problem($"A batch holds at most {MaxBatch:N0} items; this one has {rows.Count:N0}.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (matchOn != ImportFields.Email && matchOn != ImportFields.ExternalId)
        {
            return TypedResults.Problem("matchOn must be 'email' or 'external_id'.", statusCode: StatusCodes.Status400BadRequest);
        }

        var mapping = new ImportMapping { MatchOn = matchOn, Columns = fields.Select(f => new ColumnMapping(f, f)).ToList() };
        var summary = await importer.UpsertAsync(kind, mapping, rows, ct);
        counts.Invalidate();
        return TypedResults.Ok(new BatchResult(summary.InsertedRows, summary.UpdatedRows, summary.Errors.Select(e => new BatchItemError((int)e.LineNumber, e.Reason)).ToList()));
    }

    /// <summary>A stored segment rule that no longer works (a segment it names was deleted): the caller's to fix, a 422 with the reason.</summary>
    internal static async ValueTask<object?> UnusableRuleAsProblem(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (SegmentRuleException ex) when (!context.HttpContext.Response.HasStarted)
        {
            // A download endpoint may have named the file already; the answer is no longer a file.
            context.HttpContext.Response.Headers.ContentDisposition = default;
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The segment cannot be used");
        }
    }

    internal static async ValueTask<object?> ForbiddenAsProblem(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (StudioForbiddenException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }
}
