using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Templates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

/// <summary>
/// The template library over HTTP, the twin of the template editor: the same service calls and role checks. Routes that
/// take template source (save, preview of source, test send) need an edit role; everyone previews saved templates by id.
/// </summary>
public static class TemplatesApi
{
    public static RouteGroupBuilder MapTemplatesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/templates").WithTags("Templates");

        group.MapGet("", ListAsync).WithSummary("Every saved template, newest first, and whether it compiles.");
        group.MapGet("/{id:int}", GetAsync).WithSummary("One saved template with its Liquid source.");
        group.MapGet("/{id:int}/preview", PreviewSavedAsync)
            .WithSummary("Renders a saved template for a customer (default: the first) exactly as a send would; errors say the part and the reason.");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Saves a new template (errors do not prevent saving, they prevent launching).");
        group.MapPut("/{id:int}", UpdateAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Saves a template's name and source.");
        group.MapDelete("/{id:int}", DeleteAsync).RequireAuthorization(Policies.CanEdit).WithSummary("Deletes a template.");
        group.MapPost("/preview", PreviewSourceAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Renders template source that is not saved yet, under the same limits as every send.");
        group.MapPost("/test-send", TestSendAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Sends template source rendered for a customer to any address, marked [Test].");
        return api;
    }

    public static async Task<Ok<List<TemplateListItem>>> ListAsync(TemplateService templates, CancellationToken ct) =>
        TypedResults.Ok((await templates.ListAsync(ct)).ToList());

    public static async Task<Results<Ok<TemplateResponse>, NotFound>> GetAsync(int id, TemplateService templates, CancellationToken ct) =>
        await templates.GetAsync(id, ct) is { } template ? TypedResults.Ok(TemplateResponse.From(template)) : TypedResults.NotFound();

    public static async Task<Results<Ok<PreviewResponse>, NotFound>> PreviewSavedAsync(int id, long? customerId, string? discountTier, TemplateService templates,
        CancellationToken ct) =>
        await templates.PreviewSavedAsync(id, customerId, discountTier, ct) is { } preview ? TypedResults.Ok(PreviewResponse.From(preview)) : TypedResults.NotFound();

    public static async Task<Created<SavedResponse>> CreateAsync(TemplateRequest request, TemplateService templates, TemplateRenderer renderer, CancellationToken ct)
    {
        var id = await templates.SaveAsync(null, request.Name ?? "", request.Source, ct);
        return TypedResults.Created($"/api/templates/{id}", SavedResponse.From(id, renderer.Compile(request.Source).Errors));
    }

    public static async Task<Results<Ok<SavedResponse>, NotFound>> UpdateAsync(int id, TemplateRequest request, TemplateService templates, TemplateRenderer renderer,
        CancellationToken ct)
    {
        if (await templates.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        await templates.SaveAsync(id, request.Name ?? "", request.Source, ct);
        return TypedResults.Ok(SavedResponse.From(id, renderer.Compile(request.Source).Errors));
    }

    public static async Task<NoContent> DeleteAsync(int id, TemplateService templates, CancellationToken ct)
    {
        await templates.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<PreviewResponse>> PreviewSourceAsync(PreviewRequest request, TemplateService templates, CancellationToken ct) =>
        TypedResults.Ok(PreviewResponse.From(await templates.PreviewAsync(request.Source, request.CustomerId, request.DiscountTier, ct)));

    public static async Task<Ok<TestSendResponse>> TestSendAsync(TestSendRequest request, TemplateService templates, CancellationToken ct)
    {
        var result = await templates.TestSendAsync(request.Source, request.CustomerId, request.To ?? "", request.DiscountTier, ct);
        return TypedResults.Ok(new TestSendResponse(result.IsSent, result.IsSent ? null : result.Detail));
    }
}

public sealed record TemplateRequest(string? Name, string? Subject, string? Preheader, string? Html, string? Text)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

public sealed record PreviewRequest(string? Subject, string? Preheader, string? Html, string? Text, long? CustomerId, string? DiscountTier)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

public sealed record TestSendRequest(string? Subject, string? Preheader, string? Html, string? Text, long? CustomerId, string? To, string? DiscountTier)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

public sealed record TemplateResponse(int Id, string Name, string Subject, string? Preheader, string Html, string? Text, DateTime UpdatedAt)
{
    public static TemplateResponse From(EmailTemplate t) => new(t.Id, t.Name, t.Subject, t.Preheader, t.HtmlBody, t.TextBody, t.UpdatedAt);
}

/// <summary>A template problem: the part (Subject, Preheader, Html, Text), the sentence, and its 1-based line and column (0 when it has none).</summary>
public sealed record TemplateErrorResponse(string Part, string Message, int Line, int Column)
{
    public static List<TemplateErrorResponse> From(IEnumerable<TemplateError> errors) =>
        errors.Select(e => new TemplateErrorResponse(e.Part.ToString(), e.Message, e.Line, e.Column)).ToList();
}

public sealed record SavedResponse(int Id, List<TemplateErrorResponse> Errors)
{
    public static SavedResponse From(int id, IEnumerable<TemplateError> errors) => new(id, TemplateErrorResponse.From(errors));
}

/// <summary>The rendered message (null parts when it could not be rendered), its errors and spam warnings.</summary>
public sealed record PreviewResponse(string? Subject, string? Preheader, string? Html, string? Text, List<TemplateErrorResponse> Errors, IReadOnlyList<string> SpamWarnings)
{
    public static PreviewResponse From(TemplatePreview preview) => new(preview.Message?.Subject, preview.Message?.Preheader, preview.Message?.Html, preview.Message?.Text,
        TemplateErrorResponse.From(preview.Errors), preview.SpamWarnings);
}

public sealed record TestSendResponse(bool Sent, string? Problem);
