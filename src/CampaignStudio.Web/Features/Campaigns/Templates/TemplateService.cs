using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

/// <summary>The template library: save, preview for a chosen customer, test send.</summary>
public sealed class TemplateService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TemplateRenderer renderer, MessageBuilder builder,
    IMailTransport transport, SenderIdentityStore senders, TimeProvider clock, RecommendationLists recommendations)
{
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

    public async Task<int> SaveAsync(int? id, string name, TemplateSource source, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
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
        template.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return template.Id;
    }

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
        try
        {
            var rendered = renderer.Render(compiled.Template!, recipient, new CampaignData(campaignId, campaignName, discountTier),
                new MessageFooter(links.UnsubscribeUrl, string.IsNullOrWhiteSpace(identity.PostalAddress) ? "(postal address — set it in Settings)" : identity.PostalAddress));
            return new TemplatePreview(rendered, [], SpamRules.Check(rendered.Subject, rendered.Html));
        }
        catch (TemplateRenderException ex)
        {
            return new TemplatePreview(null, [new TemplateError(ex.Part, ex.Message, 0, 0)], []);
        }
    }

    /// <summary>Sends the preview for one customer to any address (a colleague, a seed inbox), marked as a test; its links are inert.</summary>
    public async Task<SendResult> TestSendAsync(TemplateSource source, long? customerId, string toAddress, string? discountTier, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var identity = await senders.GetAsync(ct);
        if (!identity.IsReadyToSend)
        {
            return SendResult.Permanent(null, "Set the sender address and postal address in Settings first.");
        }

        if (!System.Net.Mail.MailAddress.TryCreate(toAddress?.Trim(), out var to))
        {
            return SendResult.Permanent(null, "That is not an e-mail address.");
        }

        var preview = await RenderPreviewAsync(source, customerId, discountTier, 0, "Preview", ct);
        if (preview.Message is not { } content)
        {
            return SendResult.Permanent(null, "The template has errors: " + string.Join("; ", preview.Errors.Select(e => e.Message)));
        }

        var mime = builder.Build(content with { Subject = "[Test] " + content.Subject },
            new MessageEnvelope(new Messaging.Mime.SenderIdentity(identity.FromName, identity.FromAddress, null, identity.ReplyTo), to.Address, null, 0, 0,
                MessageLinks.Preview(identity.PublicBaseUrl).UnsubscribeUrl));
        return await transport.SendAsync(mime, ct);
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

public sealed record TemplateListItem(int Id, string Name, string Subject, DateTime UpdatedAt, bool IsValid);

public sealed record PreviewCustomer(long Id, string? Email, string? FirstName, string? LastName)
{
    public string Label => string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } n ? $"{n} <{Email}>" : Email ?? $"#{Id}";
}

public sealed record TemplatePreview(RenderedMessage? Message, IReadOnlyList<TemplateError> Errors, IReadOnlyList<string> SpamWarnings);
