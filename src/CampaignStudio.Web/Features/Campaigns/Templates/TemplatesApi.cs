using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
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
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Saves a new template (errors do not prevent saving, they prevent launching). With `blocks` ({\"blocks\":[{\"type\":\"heading\",\"text\":\"Hi\"}," +
                "{\"type\":\"products\",\"count\":3}]}; types header, hero, heading, text, button, products, discount, divider, footer) the HTML and text are " +
                "compiled from the blocks with the brand in Settings. `warnings` name unknown merge fields with the nearest known one, and blocks left out.");
        group.MapPut("/{id:int}", UpdateAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Saves a template's name and source, or its blocks (see POST). Saving HTML without blocks makes a block template an HTML template.");
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
        var saved = await templates.SaveAsync(null, request.Name ?? "", request.Source, request.Blocks, ct);
        return TypedResults.Created($"/api/templates/{saved.Id}", await SavedAsync(saved, templates, renderer, ct));
    }

    public static async Task<Results<Ok<SavedResponse>, NotFound>> UpdateAsync(int id, TemplateRequest request, TemplateService templates, TemplateRenderer renderer,
        CancellationToken ct)
    {
        if (await templates.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var saved = await templates.SaveAsync(id, request.Name ?? "", request.Source, request.Blocks, ct);
        return TypedResults.Ok(await SavedAsync(saved, templates, renderer, ct));
    }

    /// <summary>The errors of what was stored (for blocks, the compiled source) and the save's warnings.</summary>
    private static async Task<SavedResponse> SavedAsync(TemplateSaved saved, TemplateService templates, TemplateRenderer renderer, CancellationToken ct) =>
        await templates.GetAsync(saved.Id, ct) is { } stored
            ? SavedResponse.From(saved.Id, renderer.Compile(TemplateSource.From(stored)).Errors, saved.Warnings)
            : SavedResponse.From(saved.Id, [], saved.Warnings);

    public static async Task<NoContent> DeleteAsync(int id, TemplateService templates, CancellationToken ct)
    {
        await templates.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<PreviewResponse>> PreviewSourceAsync(PreviewRequest request, TemplateService templates, CancellationToken ct) =>
        TypedResults.Ok(PreviewResponse.From(await templates.PreviewAsync(await SourceAsync(request.Source, request.Blocks, templates, ct), request.CustomerId, request.DiscountTier, ct)));

    public static async Task<Ok<TestSendResponse>> TestSendAsync(TestSendRequest request, TemplateService templates, CancellationToken ct)
    {
        var source = await SourceAsync(request.Source, request.Blocks, templates, ct);
        var result = await templates.TestSendAsync(source, request.CustomerId, request.To ?? "", request.DiscountTier, ct);
        return TypedResults.Ok(new TestSendResponse(result.IsSent, result.IsSent ? null : result.Detail));
    }

    /// <summary>The source as the editor would send it: blocks compiled with the brand when given.</summary>
    private static async Task<TemplateSource> SourceAsync(TemplateSource source, BlockDocument? blocks, TemplateService templates, CancellationToken ct)
    {
        if (blocks is null)
        {
            return source;
        }

        var email = await templates.CompileBlocksAsync(blocks, ct);
        return source with { Html = email.Html, Text = email.Text };
    }
}

/// <param name="Blocks">When set, the template is built from these blocks and Html/Text are ignored.</param>
public sealed record TemplateRequest(string? Name, string? Subject, string? Preheader, string? Html, string? Text, BlockDocument? Blocks = null)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

public sealed record PreviewRequest(string? Subject, string? Preheader, string? Html, string? Text, long? CustomerId, string? DiscountTier, BlockDocument? Blocks = null)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

/// <param name="To">One or more addresses separated by commas (at most 10), each checked before anything is sent.</param>
public sealed record TestSendRequest(string? Subject, string? Preheader, string? Html, string? Text, long? CustomerId, string? To, string? DiscountTier, BlockDocument? Blocks = null)
{
    public TemplateSource Source => new(Subject ?? "", Preheader, Html ?? "", Text);
}

/// <param name="Blocks">The blocks of a template built in the block editor; null for an HTML template.</param>
public sealed record TemplateResponse(int Id, string Name, string Subject, string? Preheader, string Html, string? Text, DateTime UpdatedAt, BlockDocument? Blocks)
{
    public static TemplateResponse From(EmailTemplate t) => new(t.Id, t.Name, t.Subject, t.Preheader, t.HtmlBody, t.TextBody, t.UpdatedAt,
        BlockDocument.TryParse(t.BlocksJson, out var blocks, out _) ? blocks : null);
}

/// <summary>A template problem: the part (Subject, Preheader, Html, Text), the sentence, and its 1-based line and column (0 when it has none).</summary>
public sealed record TemplateErrorResponse(string Part, string Message, int Line, int Column)
{
    public static List<TemplateErrorResponse> From(IEnumerable<TemplateError> errors) =>
        errors.Select(e => new TemplateErrorResponse(e.Part.ToString(), e.Message, e.Line, e.Column)).ToList();
}

public sealed record SavedResponse(int Id, List<TemplateErrorResponse> Errors, IReadOnlyList<string> Warnings)
{
    public static SavedResponse From(int id, IEnumerable<TemplateError> errors, IReadOnlyList<string> warnings) => new(id, TemplateErrorResponse.From(errors), warnings);
}

/// <summary>The rendered message (null parts when it could not be rendered), its errors and spam warnings.</summary>
public sealed record PreviewResponse(string? Subject, string? Preheader, string? Html, string? Text, List<TemplateErrorResponse> Errors, IReadOnlyList<string> SpamWarnings,
    IReadOnlyList<string> FieldWarnings)
{
    public static PreviewResponse From(TemplatePreview preview) => new(preview.Message?.Subject, preview.Message?.Preheader, preview.Message?.Html, preview.Message?.Text,
        TemplateErrorResponse.From(preview.Errors), preview.SpamWarnings, preview.FieldWarnings ?? []);
}

public sealed record TestSendResponse(bool Sent, string? Problem);
