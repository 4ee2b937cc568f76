using System.Globalization;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>
/// The CSV import as an API, the twin of the import page: the same service calls and role checks. Admins and Marketers
/// import and download refused rows (they hold customer data, and every download is audited); Managers read a job's
/// status and counts, as they read the import history on screen.
/// </summary>
public static class ImportsApi
{
    public static RouteGroupBuilder MapImportsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/imports", StartAsync)
            .WithTags("Imports")
            .RequireAuthorization(Policies.CanEdit)
            // API clients authenticate with a key or a bearer token; the studio's cookie is SameSite=Lax, so no other site can post with it.
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(ImportService.MaxUploadBytes))
            .WithFormOptions(multipartBodyLengthLimit: ImportService.MaxUploadBytes)
            .WithSummary("Uploads a CSV file and queues its import; answers 202 with the job and its Location.")
            .WithDescription("""
                Multipart form: `file` (the CSV), `kind` = customers | purchases | events | products (products upsert the catalogue by `product_id`); optional `mapping` (JSON as stored with a job:
                {"columns":[{"header":"E-Mail","target":"email"}],"matchOn":"email"}; without it the mapping is suggested from the headers or
                remembered for this layout), `encoding` (utf-8 | windows-1252 | iso-8859-1 | iso-8859-15; a file that is not UTF-8 is refused
                without it), `dateFormat` (dd.mm.yyyy | dd/mm/yyyy | mm/dd/yyyy | yyyymmdd; ISO dates are always read, nothing else is guessed),
                `duplicates` (refuse: a later row with the key of an earlier row is refused as a duplicate of its line; last-wins: it replaces it).
                A file that cannot be imported (empty, binary, only a header row, repeated headers, over 250 columns) gets 400 with the reason.
                """);
        var imports = api.MapGroup("/imports").WithTags("Imports");
        imports.MapGet("/{id:int}", GetAsync)
            .WithSummary("An import's status and counts: lines read = new + updated + refused + blank + continuation lines (rows whose quoted values span lines).");
        imports.MapGet("/{id:int}/errors.csv", RefusedRowsAsync)
            .RequireAuthorization(Policies.CanEdit).ProducesCsv().Produces(StatusCodes.Status404NotFound)
            .WithSummary("The rows an import refused, with line numbers and reasons (Admin and Marketer; every download is audited).");
        return api;
    }

    public static async Task<Results<Accepted<ImportJobResponse>, ProblemHttpResult>> StartAsync(IFormFile? file, [FromForm] string? kind, [FromForm] string? mapping,
        [FromForm] string? encoding, [FromForm] string? dateFormat, [FromForm] string? duplicates, ImportService imports, CancellationToken ct)
    {
        if (file is null)
        {
            return Problem("Send the CSV file in the multipart field 'file'.");
        }

        ImportKind? importKind = kind?.Trim().ToLowerInvariant() switch
        {
            "customers" => ImportKind.Customers,
            "purchases" => ImportKind.Purchases,
            "events" => ImportKind.Events,
            "products" => ImportKind.Products,
            _ => null,
        };
        if (importKind is null)
        {
            return Problem($"kind must be customers, purchases, events or products (was '{kind}').");
        }

        DuplicateRows? duplicateRows = null;
        switch (duplicates?.Trim().ToLowerInvariant())
        {
            case null or "":
                break;
            case "refuse":
                duplicateRows = DuplicateRows.Refuse;
                break;
            case "last-wins" or "last_wins" or "lastwins":
                duplicateRows = DuplicateRows.LastWins;
                break;
            default:
                return Problem($"duplicates must be refuse or last-wins (was '{duplicates}').");
        }

        ImportMapping? given = null;
        if (!string.IsNullOrWhiteSpace(mapping))
        {
            try
            {
                given = ImportMapping.FromJson(mapping);
            }
            catch (JsonException ex)
            {
                return Problem($"The mapping is not valid JSON: {ex.Message}");
            }
        }

        UploadedFile upload;
        await using (var content = file.OpenReadStream())
        {
            upload = await imports.SaveUploadAsync(content, file.FileName, ct);
        }

        try
        {
            var preview = await imports.PreviewAsync(upload, importKind.Value, encoding, ct);
            var chosen = given ?? preview.Mapping;
            chosen.Delimiter ??= preview.Mapping.Delimiter;
            chosen.Encoding = encoding ?? chosen.Encoding;
            chosen.DateFormat = dateFormat ?? chosen.DateFormat;
            chosen.Duplicates = duplicateRows ?? given?.Duplicates ?? DuplicateRows.Refuse;
            var id = await imports.StartAsync(upload, importKind.Value, chosen, ct);
            var job = await imports.GetJobAsync(id, ct);
            return TypedResults.Accepted($"/api/imports/{id}", ImportJobResponse.From(job!));
        }
        catch (ImportFileException ex)
        {
            await imports.DiscardAsync(upload);
            return Problem(ex.Message);
        }
    }

    public static async Task<Results<Ok<ImportJobResponse>, NotFound>> GetAsync(int id, ImportService imports, CancellationToken ct) =>
        await imports.GetJobAsync(id, ct) is { } job ? TypedResults.Ok(ImportJobResponse.From(job)) : TypedResults.NotFound();

    public static async Task<IResult> RefusedRowsAsync(int id, ImportService imports, HttpContext http, CancellationToken ct)
    {
        var found = await imports.WriteErrorsCsvAsync(id, () =>
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"import-{id.ToString(CultureInfo.InvariantCulture)}-refused-rows.csv\"";
            return http.Response.Body;
        }, ct);
        return found ? TypedResults.Empty : TypedResults.NotFound();
    }

    private static ProblemHttpResult Problem(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be imported");
}

/// <summary>An import job as the API shows it. Every line after the header is counted once: LinesRead = New + Updated + Refused + Blank + ContinuationLines.</summary>
public sealed record ImportJobResponse(int Id, string Kind, string Status, string FileName, long LinesRead, long New, long Updated, long Refused, long Blank,
    long ContinuationLines, long ReplacedRows, bool EveryLineAccountedFor, string? Message, DateTime CreatedAt, DateTime? FinishedAt)
{
    public static ImportJobResponse From(ImportJob job) => new(job.Id, job.Kind.ToString().ToLowerInvariant(), job.Status.ToString(), job.FileName, job.LinesRead,
        job.InsertedRows, job.UpdatedRows, job.ErrorRows, job.BlankLines, job.ContinuationLines, job.ReplacedRows, job.EveryLineAccountedFor, job.Message, job.CreatedAt, job.FinishedAt);
}
