using CampaignStudio.Data;
using CampaignStudio.Data.Assets;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

/// <summary>The template library: save, preview for a chosen customer, test send.</summary>
public sealed class TemplateService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TemplateRenderer renderer, MessageBuilder builder,
    IMailTransport transport, SenderIdentityStore senders, TimeProvider clock, RecommendationLists recommendations, BrandStore brand,
    AssetOptions assets)
{
    /// <summary>How many addresses one test send may go to: enough for a team and its seed inboxes, too few to be a campaign.</summary>
    public const int MaxTestAddresses = 10;

    public async Task<IReadOnlyList<TemplateListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.EmailTemplates.AsNoTracking().OrderByDescending(t => t.UpdatedAt).ToListAsync(ct);
        return rows.Select(t => new TemplateListItem(t.Id, t.Name, t.Subject, t.UpdatedAt, renderer.Compile(TemplateSource.From(t)).Succeeded)).ToList();
    }

    public async Task<EmailTemplate?> GetAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.EmailTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
    }

    /// <summary>
    /// Saves a template. With <paramref name="blocks"/>, the HTML and text parts are what the blocks compile to with the brand
    /// of today (the source's own HTML and text are ignored); without, the template is HTML and loses any blocks it had.
    /// The warnings name unknown merge fields (with the nearest known name) and blocks left out; Liquid errors do not stop a save (they stop a launch).
    /// </summary>
    public async Task<TemplateSaved> SaveAsync(int? id, string name, TemplateSource source, BlockDocument? blocks = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        IReadOnlyList<string> blockProblems = [];
        if (blocks is not null)
        {
            var email = await CompileBlocksAsync(blocks, ct);
            source = source with { Html = email.Html, Text = email.Text };
            blockProblems = email.Problems;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var template = id is { } existing ? await db.EmailTemplates.FirstOrDefaultAsync(t => t.Id == existing, ct) : null;
        if (template is null)
        {
            template = new EmailTemplate { CreatedAt = now, CreatedBy = await user.NameAsync() };
            db.EmailTemplates.Add(template);
        }

        template.Name = Clip(string.IsNullOrWhiteSpace(name) ? "Untitled template" : name.Trim(), Domain.Limits.Title);
        template.Subject = Clip(source.Subject, Domain.Limits.ShortText);
        template.Preheader = string.IsNullOrWhiteSpace(source.Preheader) ? null : Clip(source.Preheader, Domain.Limits.ShortText);
        template.HtmlBody = source.Html;
        template.TextBody = string.IsNullOrWhiteSpace(source.Text) ? null : source.Text;
        template.BlocksJson = blocks?.ToJson();
        template.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return new TemplateSaved(template.Id, [.. blockProblems, .. await FieldWarningsAsync(source, ct)]);
    }

    /// <summary>What blocks compile to with the saved brand, for the editor's live preview and for saving.</summary>
    public async Task<BlockEmail> CompileBlocksAsync(BlockDocument blocks, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var identity = await senders.GetAsync(ct);
        return BlockCompiler.Compile(blocks, await brand.GetAsync(ct), identity.PublicBaseUrl, assets.MailImageBaseUrl);
    }

    /// <summary>
    /// Merge fields the model does not know, as sentences naming the nearest known field, and chosen collections that show
    /// nothing or less than chosen; empty when the source does not compile.
    /// </summary>
    public async Task<IReadOnlyList<string>> FieldWarningsAsync(TemplateSource source, CancellationToken ct = default) =>
        renderer.Compile(source) is { Succeeded: true } compiled
            ? [.. MergeFieldAnalyzer.FindUnknown(compiled.Template!).Select(f => f.Sentence), .. await CollectionWarningsAsync(MergeFieldAnalyzer.FindCollections(compiled.Template!), ct)]
            : [];

    public async Task DeleteAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.EmailTemplates.Where(t => t.Id == id).ExecuteDeleteAsync(ct);
    }

    /// <summary>Customers to preview with, found by e-mail or name prefix.</summary>
    public async Task<IReadOnlyList<PreviewCustomer>> FindCustomersAsync(string? text, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Customers.AsNoTracking().Where(c => !c.IsErased);
        if (!string.IsNullOrWhiteSpace(text))
        {
            var key = text.Trim().ToLowerInvariant();
            query = query.Where(c => c.Email!.StartsWith(key) || c.FirstNameKey!.StartsWith(key) || c.LastNameKey!.StartsWith(key));
        }

        return await query.OrderBy(c => c.Id).Take(20).Select(c => new PreviewCustomer(c.Id, c.Email, c.FirstName, c.LastName)).ToListAsync(ct);
    }

    /// <summary>
    /// Renders template source as the editor has it, for one customer, as the worker would (footer included), but with inert
    /// links: a preview is not a message sent to that customer, so nothing in it may act in their name. Running source is editing: a Manager previews saved templates only (<see cref="PreviewSavedAsync"/>).
    /// </summary>
    public async Task<TemplatePreview> PreviewAsync(TemplateSource source, long? customerId, string? discountTier, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        return await RenderPreviewAsync(source, customerId, discountTier, 0, "Preview", ct);
    }

    /// <summary>Renders a saved template (the server loads its source) for one customer; null when it does not exist.</summary>
    public async Task<TemplatePreview?> PreviewSavedAsync(int templateId, long? customerId, string? discountTier, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        EmailTemplate? template;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            template = await db.EmailTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, ct);
        }

        return template is null ? null : await RenderPreviewAsync(TemplateSource.From(template), customerId, discountTier, 0, "Preview", ct);
    }

    /// <summary>The preview render itself; callers check the role and vouch for the source (the editor's, or one loaded from the database).</summary>
    internal async Task<TemplatePreview> RenderPreviewAsync(TemplateSource source, long? customerId, string? discountTier, int campaignId, string campaignName,
        CancellationToken ct)
    {
        var compiled = renderer.Compile(source);
        if (!compiled.Succeeded)
        {
            return new TemplatePreview(null, compiled.Errors, []);
        }

        var identity = await senders.GetAsync(ct);
        RecipientData recipient;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var id = customerId ?? await db.Customers.Where(c => !c.IsErased).OrderBy(c => c.Id).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
            recipient = id is { } found && (await RecipientLoader.LoadAsync(db, [found], onlyMailable: false, recommendations, ct)).TryGetValue(found, out var r)
                ? r
                : new RecipientData(0, "someone@example.com", "Alex",
                    Recommendations: await recommendations.ModelAsync(ct) is { } model ? recommendations.For(model, []) : null);
        }

        var links = MessageLinks.Preview(identity.PublicBaseUrl);
        var collectionKeys = MergeFieldAnalyzer.FindCollections(compiled.Template!);
        var campaign = new CampaignData(campaignId, campaignName, discountTier) { Collections = await recommendations.CollectionsAsync(collectionKeys, ct) };
        try
        {
            var rendered = renderer.Render(compiled.Template!, recipient, campaign,
                new MessageFooter(links.UnsubscribeUrl, string.IsNullOrWhiteSpace(identity.PostalAddress) ? "(postal address — set it in Settings)" : identity.PostalAddress));
            return new TemplatePreview(rendered, [], SpamRules.Check(rendered.Subject, rendered.Html),
                [.. MergeFieldAnalyzer.FindUnknown(compiled.Template!).Select(f => f.Sentence), .. await CollectionWarningsAsync(collectionKeys, ct)]);
        }
        catch (TemplateRenderException ex)
        {
            return new TemplatePreview(null, [new TemplateError(ex.Part, ex.Message, 0, 0)], []);
        }
    }

    /// <summary>
    /// What is wrong with the chosen collections a template names (unknown key, category or brand no product has, all sold
    /// out, ids not in the catalogue), in words: shown in the editor's preview, the save's answer and the campaign review.
    /// </summary>
    private async Task<IReadOnlyList<string>> CollectionWarningsAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var catalogue = await recommendations.CatalogueAsync(ct);
        var warnings = new List<string>();
        foreach (var key in keys)
        {
            if (!ProductCollection.TryParse(key, out var collection, out var problem))
            {
                warnings.Add(problem!);
            }
            else if (ProductCollections.Problem(collection!, catalogue) is { } sentence)
            {
                warnings.Add(sentence);
            }
        }

        return warnings;
    }

    /// <summary>
    /// Sends the preview for one customer to one or more addresses (a colleague, seed inboxes; separated by commas, semicolons
    /// or spaces, at most <see cref="MaxTestAddresses"/>), marked as a test; its links are inert. Every address is checked
    /// before anything is sent; the result is Sent only when every address was accepted, and its detail names each failure.
    /// </summary>
    public async Task<SendResult> TestSendAsync(TemplateSource source, long? customerId, string toAddresses, string? discountTier, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var identity = await senders.GetAsync(ct);
        if (!identity.IsReadyToSend)
        {
            return SendResult.Permanent(null, "Set the sender address and postal address in Settings first.");
        }

        var (addresses, problem) = TestAddresses.Parse(toAddresses, MaxTestAddresses);
        if (problem is not null)
        {
            return SendResult.Permanent(null, problem);
        }

        var preview = await RenderPreviewAsync(source, customerId, discountTier, 0, "Preview", ct);
        if (preview.Message is not { } content)
        {
            return SendResult.Permanent(null, "The template has errors: " + string.Join("; ", preview.Errors.Select(e => e.Message)));
        }

        var failures = new List<string>();
        foreach (var to in addresses)
        {
            var mime = builder.Build(content with { Subject = "[Test] " + content.Subject },
                new MessageEnvelope(new Messaging.Mime.SenderIdentity(identity.FromName, identity.FromAddress, null, identity.ReplyTo), to, null, 0, 0,
                    MessageLinks.Preview(identity.PublicBaseUrl).UnsubscribeUrl));
            var result = await transport.SendAsync(mime, ct);
            if (!result.IsSent)
            {
                failures.Add($"{to}: {result.Detail}");
            }
        }

        return failures.Count == 0
            ? SendResult.Sent("Sent to " + string.Join(", ", addresses))
            : SendResult.Permanent(null, (failures.Count < addresses.Count ? $"Sent to {addresses.Count - failures.Count} of {addresses.Count}; not to " : "Not sent to ") +
                string.Join("; ", failures));
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

public sealed record TemplateListItem(int Id, string Name, string Subject, DateTime UpdatedAt, bool IsValid);

public sealed record PreviewCustomer(long Id, string? Email, string? FirstName, string? LastName)
{
    public string Label => string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } n ? $"{n} <{Email}>" : Email ?? $"#{Id}";
}

/// <param name="FieldWarnings">Unknown merge fields, each a sentence naming the nearest known field.</param>
public sealed record TemplatePreview(RenderedMessage? Message, IReadOnlyList<TemplateError> Errors, IReadOnlyList<string> SpamWarnings,
    IReadOnlyList<string>? FieldWarnings = null);

/// <param name="Warnings">Unknown merge fields and blocks the compiler left out, in words; saving never waits on them.</param>
public sealed record TemplateSaved(int Id, IReadOnlyList<string> Warnings);

/// <summary>The addresses of a test send: split, each checked, duplicates dropped.</summary>
public static class TestAddresses
{
    public static (IReadOnlyList<string> Addresses, string? Problem) Parse(string? text, int max)
    {
        var parts = (text ?? "").Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            return ([], "Write at least one e-mail address.");
        }

        var addresses = new List<string>();
        foreach (var part in parts)
        {
            if (!System.Net.Mail.MailAddress.TryCreate(part, out var address) || address.Address != part || !part.Contains('.', StringComparison.Ordinal))
            {
                return ([], $"“{part}” is not an e-mail address.");
            }

            if (!addresses.Contains(address.Address, StringComparer.OrdinalIgnoreCase))
            {
                addresses.Add(address.Address);
            }
        }

        return addresses.Count > max ? ([], $"A test goes to at most {max} addresses; this one has {addresses.Count}.") : (addresses, null);
    }
}
