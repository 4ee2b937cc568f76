using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Sending.Tracking;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns.Tracking;

/// <summary>Tracking settings (configuration section <c>Campaigns:Tracking</c>).</summary>
public sealed class TrackingOptions
{
    public const string Section = "Campaigns:Tracking";

    /// <summary>Days after a send in which a purchase counts as a conversion, for campaigns that do not set their own.</summary>
    public int DefaultAttributionWindowDays { get; set; } = 7;
}

/// <summary>The open pixel and the click redirect. Both answer 404 to any token they did not sign.</summary>
internal static class TrackingEndpoints
{
    /// <summary>The smallest transparent GIF.</summary>
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    /// <summary>A plain 404: the friendly not-found page would send an anonymous mail reader to the sign-in page instead.</summary>
    private static IResult NotFound(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        return Results.NotFound();
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LinkTracker.OpenRoute, OpenAsync).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet(LinkTracker.ClickRoute, ClickAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> OpenAsync(HttpContext context, string token, SignedTokenService tokens, IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock,
        CancellationToken ct)
    {
        if (!tokens.TryReadOpenToken(token, out var messageId))
        {
            return NotFound(context);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Messages.Where(m => m.Id == messageId && m.OpenedAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.OpenedAt, now), ct);
        return Results.File(Pixel, "image/gif");
    }

    private static async Task<IResult> ClickAsync(HttpContext context, string token, SignedTokenService tokens, IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock,
        CancellationToken ct)
    {
        if (!tokens.TryReadTrackingToken(token, out var linkId))
        {
            return NotFound(context);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.TrackedLinks.AsNoTracking().FirstOrDefaultAsync(l => l.Id == linkId, ct);

        // Stored links are http(s) by construction; checking again costs nothing and keeps this from ever becoming an open redirect.
        if (link is null || !Uri.TryCreate(link.Url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            return NotFound(context);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.TrackedLinks.Where(l => l.Id == linkId).ExecuteUpdateAsync(s => s
            .SetProperty(l => l.Clicks, l => l.Clicks + 1)
            .SetProperty(l => l.FirstClickedAt, l => l.FirstClickedAt ?? now), ct);

        // A click proves the message was opened, even when images were blocked.
        await db.Messages.Where(m => m.Id == link.MessageId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.ClickedAt, m => m.ClickedAt ?? now)
            .SetProperty(m => m.OpenedAt, m => m.OpenedAt ?? now), ct);
        return Results.Redirect(link.Url);
    }
}
