using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Web.Api;
using CampaignStudio.Web.Features.Consent.Public;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>
/// The public consent links (no sign-in: the signed token is the credential) and the studio's consent, export and
/// privacy API. The GET pages of the links are Razor pages in <c>Public/</c>; these are their POSTs.
/// </summary>
public static class ConsentEndpoints
{
    public const string OneClickField = "List-Unsubscribe";
    public const string OneClickValue = "One-Click";

    public static IEndpointRouteBuilder MapConsent(this IEndpointRouteBuilder app)
    {
        MapPublicLinks(app);
        MapApi(app);
        return app;
    }

    private static void MapPublicLinks(IEndpointRouteBuilder app)
    {
        // RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no cookies and no antiforgery token.
        // Razor pages also accept POST on their route; the lower order makes these win on the shared route.
        app.MapPost(UnsubscribeLinks.Route, async (string token, HttpContext http, PublicConsentService consent, CancellationToken ct) =>
            {
                var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(ct) : null;
                if (form is null || !string.Equals(form[OneClickField].ToString(), OneClickValue, StringComparison.Ordinal))
                {
                    return Results.BadRequest("Expected the form field List-Unsubscribe=One-Click (RFC 8058).");
                }

                var view = await consent.UnsubscribeAsync(token, IpOf(http), ConsentSource.UnsubscribeLink, ct);
                return view is null ? PlainNotFound(http) : Results.Text("You are unsubscribed: you will get no more marketing e-mail from us.", "text/plain");
            })
            .AllowAnonymous().DisableAntiforgery().WithOrder(-1).ExcludeFromDescription();

        app.MapPost(UnsubscribeLinks.Route + "/preferences", async (string token, HttpContext http, PublicConsentService consent, CancellationToken ct) =>
            {
                if (!http.Request.HasFormContentType)
                {
                    return Results.BadRequest("Expected the preference centre's form.");
                }

                var form = await http.Request.ReadFormAsync(ct);
                PreferencesOutcome? outcome = form["action"] == "unsubscribe-all"
                    ? await consent.UnsubscribeAsync(token, IpOf(http), ConsentSource.UnsubscribeLink, ct) is null ? null : PreferencesOutcome.Saved
                    : (await consent.SavePreferencesAsync(token, form["purpose"].OfType<string>().ToHashSet(StringComparer.Ordinal), IpOf(http), ct))?.Outcome;
                return outcome is { } done
                    ? Results.Redirect($"/u/{Uri.EscapeDataString(token)}?result={ResultName(done)}", permanent: false, preserveMethod: false)
                    : PlainNotFound(http);
            })
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        app.MapPost(DoubleOptInLinks.Route, async (string token, HttpContext http, PublicConsentService consent, CancellationToken ct) =>
                await consent.ConfirmAsync(token, IpOf(http), ct) is { } result
                    ? Results.Redirect($"/confirm/{Uri.EscapeDataString(token)}?result={result}")
                    : PlainNotFound(http))
            .AllowAnonymous().DisableAntiforgery().WithOrder(-1).ExcludeFromDescription();
    }

    private static void MapApi(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.CanRead).AddEndpointFilter(StudioApi.ForbiddenAsProblem)
            .AddEndpointFilter(StudioApi.UnusableRuleAsProblem);

        api.MapPost("/customers/{id:long}/consent/double-opt-in", SendDoubleOptInAsync)
            .RequireAuthorization(Policies.CanEdit).WithTags("Consent").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Records a sign-up as pending (with the wording version the person saw) and mails the double opt-in link.");

        api.MapPost("/customers/{id:long}/consent/opt-out", RecordOptOutAsync)
            .RequireAuthorization(Policies.CanEdit).WithTags("Consent")
            .WithSummary("Records an opt-out the person asked for (appended to the consent log).");

        api.MapGet("/consent/bounces", async (BounceService bounces, CancellationToken ct) => TypedResults.Ok(await bounces.OverviewAsync(ct)))
            .WithTags("Consent").WithSummary("Bounce and complaint totals, the suppressions they caused with their evidence, and mail the studio could not read.");

        api.MapPost("/consent/bounces/{recordId:long}/lift", LiftBounceSuppressionAsync)
            .RequireAuthorization(Policies.CanEdit).WithTags("Consent")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Lifts a soft-bounce suppression (a new consent record restoring the consent given before); hard bounces and complaints stay.");

        api.MapGet("/settings/bounce-mailbox", async (Settings.BounceMailboxService mailbox, CancellationToken ct) => TypedResults.Ok(await mailbox.GetAsync(ct)))
            .WithTags("Settings").WithSummary("The bounce mailbox: return address and the IMAP or POP3 account (whether a password is stored, never the password).");

        api.MapPut("/settings/bounce-mailbox", SaveBounceMailboxAsync)
            .RequireAuthorization(Policies.CanAdminister).WithTags("Settings").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Sets the bounce mailbox (protocol Imap, the default, or Pop3); the password is stored encrypted, and left unchanged when omitted. Admin only.");

        api.MapGet("/consent/proof.csv", (HttpContext http, DataExportService exports, long? customerId, CancellationToken ct) =>
                Csv(http, "consent-proof.csv", s => exports.WriteConsentProofAsync(s, customerId, ct)))
            .RequireAuthorization(Policies.CanEdit).WithTags("Consent").ProducesCsv().WithSummary("The consent log as CSV (optionally for one customer).");

        api.MapGet("/customers/export.csv", (HttpContext http, DataExportService exports, CancellationToken ct) =>
                Csv(http, "customers.csv", s => exports.WriteCustomersAsync(s, ct)))
            .RequireAuthorization(Policies.CanEdit).WithTags("Customers").ProducesCsv().WithSummary("Every customer as CSV.");

        api.MapGet("/segments/{id:int}/export.csv", async (int id, HttpContext http, DataExportService exports, CancellationToken ct) =>
            {
                PrepareDownload(http, $"segment-{id}.csv", "text/csv; charset=utf-8");
                if (!await exports.WriteSegmentAsync(id, http.Response.Body, ct))
                {
                    http.Response.Headers.ContentDisposition = default;
                    return Results.NotFound();
                }

                return Results.Empty;
            })
            .RequireAuthorization(Policies.CanEdit).WithTags("Segments").ProducesCsv().Produces(StatusCodes.Status404NotFound).WithSummary("The segment's current members as CSV.");

        api.MapGet("/customers/{id:long}/privacy-export.{format:regex(^(json|csv)$)}", async (long id, string format, HttpContext http, PrivacyRequestService privacy, CancellationToken ct) =>
            {
                using var buffer = new MemoryStream();
                if (!await privacy.WriteExportAsync(id, format, buffer, ct))
                {
                    return Results.NotFound();
                }

                PrepareDownload(http, $"customer-{id}.{format}", format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
                return Results.Bytes(buffer.ToArray(), http.Response.ContentType);
            })
            .RequireAuthorization(Policies.CanAdminister).WithTags("Privacy").ProducesCsv().Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, "application/json")
            .Produces(StatusCodes.Status404NotFound)
            .WithSummary("Everything the studio holds about one customer (access request), as JSON or CSV.");

        api.MapPost("/customers/{id:long}/erase", async Task<Results<NoContent, NotFound>> (long id, PrivacyRequestService privacy, CancellationToken ct) =>
                await privacy.EraseAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound())
            .RequireAuthorization(Policies.CanAdminister).WithTags("Privacy")
            .WithSummary("Erases one customer: personal data removed, purchases anonymised, the address kept only as a suppression hash.");
    }

    /// <summary>202: the person's click is still to come; the answer is the consent as it now stands (pending, with the record just made), as its Location answers.</summary>
    public static async Task<Results<Accepted<CustomerConsentResponse>, ProblemHttpResult>> SendDoubleOptInAsync(long id, DoubleOptInRequest? request, ConsentService consent,
        Customers.CustomerService customers, CancellationToken ct) =>
        await consent.SendDoubleOptInAsync(id, request?.WordingVersion, ConsentSource.Api, ct) is { Sent: true } && await customers.GetAsync(id, ct) is { } detail
            ? TypedResults.Accepted($"/api/customers/{id}/consent", CustomerConsentResponse.From(detail))
            : TypedResults.Problem("The confirmation e-mail was not sent.", statusCode: StatusCodes.Status409Conflict);

    public static async Task<Results<Ok<ConsentStatusResponse>, NotFound>> RecordOptOutAsync(long id, OptOutRequest? request, ConsentService consent, CancellationToken ct) =>
        await consent.RecordOptOutAsync(id, request?.Note, ct) is { Recorded: true } outcome
            ? TypedResults.Ok(new ConsentStatusResponse(outcome.Status.ToString()))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<Settings.BounceMailboxView>, ProblemHttpResult>> SaveBounceMailboxAsync(BounceMailboxRequest request, Settings.BounceMailboxService mailbox,
        CancellationToken ct)
    {
        var problems = await mailbox.SaveAsync(new Sending.Bounces.BounceMailboxSettings(request.ReturnAddress ?? "", request.ImapHost ?? "", request.ImapPort ?? 993,
            request.Security ?? Sending.Bounces.MailboxSecurity.SslOnConnect, request.ImapUser ?? "", request.Protocol ?? Sending.Bounces.MailboxProtocol.Imap), request.Password, ct);
        return problems.Count == 0 ? TypedResults.Ok(await mailbox.GetAsync(ct)) : TypedResults.Problem(string.Join(" ", problems), statusCode: StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Ok<ConsentStatusResponse>, ProblemHttpResult>> LiftBounceSuppressionAsync(long recordId, BounceService bounces, CancellationToken ct)
    {
        var outcome = await bounces.LiftAsync(recordId, ct);
        return outcome.Lifted
            ? TypedResults.Ok(new ConsentStatusResponse(outcome.Status.ToString()))
            : TypedResults.Problem(outcome.Refusal, statusCode: StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Csv(HttpContext http, string fileName, Func<Stream, Task> write)
    {
        PrepareDownload(http, fileName, "text/csv; charset=utf-8");
        try
        {
            await write(http.Response.Body);
        }
        catch (Infrastructure.StudioForbiddenException)
        {
            // Nothing was written yet: the 403 problem must not arrive as a file download.
            http.Response.Headers.ContentDisposition = default;
            throw;
        }

        return Results.Empty;
    }

    private static void PrepareDownload(HttpContext http, string fileName, string contentType)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
    }

    /// <summary>A bare 404 for a bad token: re-executing the friendly not-found page as a POST would only confuse a mail provider.</summary>
    private static IResult PlainNotFound(HttpContext http)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        return Results.NotFound();
    }

    private static string? IpOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>The preference centre's outcome in its page's query string (kebab case, read back by the page).</summary>
    internal static string ResultName(PreferencesOutcome outcome) => outcome switch
    {
        PreferencesOutcome.ConfirmationSent => "confirmation-sent",
        PreferencesOutcome.SubscribeNotPossible => "not-possible",
        PreferencesOutcome.ConfirmationFailed => "mail-failed",
        _ => "saved",
    };
}

public sealed record DoubleOptInRequest(string? WordingVersion);

public sealed record OptOutRequest(string? Note);

/// <summary>A customer's e-mail consent after the change.</summary>
public sealed record ConsentStatusResponse(string Status);

/// <summary>The bounce mailbox as the API takes it; a missing password keeps the stored one.</summary>
public sealed record BounceMailboxRequest(string? ReturnAddress, string? ImapHost, int? ImapPort, CampaignStudio.Sending.Bounces.MailboxSecurity? Security, string? ImapUser,
    string? Password, CampaignStudio.Sending.Bounces.MailboxProtocol? Protocol = null);
