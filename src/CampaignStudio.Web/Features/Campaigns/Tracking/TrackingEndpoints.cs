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

    private static async Task<IResult> OpenAsync(HttpContext context, string token, SignedTokenService tokens, ClickKeyStore clickKeys,
        IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, CancellationToken ct)
    {
        // Pixels are signed with the click key (decision 054); mail sent before carries a Data Protection token, still read.
        if (!(await clickKeys.GetAsync(ct)).TryReadOpen(token, out var messageId) && !tokens.TryReadOpenToken(token, out messageId))
        {
            return NotFound(context);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Messages.Where(m => m.Id == messageId && m.OpenedAt == null).ExecuteUpdateAsync(s => s.SetProperty(m => m.OpenedAt, now), ct);
        return Results.File(Pixel, "image/gif");
    }

    private static async Task<IResult> ClickAsync(HttpContext context, string token, SignedTokenService tokens, ClickKeyStore clickKeys,
        IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, CancellationToken ct)
    {
        if ((await clickKeys.GetAsync(ct)).TryRead(token, out var messageId, out var url))
        {
            return await ClickSignedTargetAsync(context, messageId, url, dbFactory, clock, ct);
        }

        // Mail sent before decision 054: the token names a stored link.
        if (!tokens.TryReadTrackingToken(token, out var linkId))
        {
            return NotFound(context);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.TrackedLinks.AsNoTracking().FirstOrDefaultAsync(l => l.Id == linkId, ct);
        if (link is null || !IsWebAddress(link.Url))
        {
            return NotFound(context);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.TrackedLinks.Where(l => l.Id == linkId).ExecuteUpdateAsync(s => s
            .SetProperty(l => l.Clicks, l => l.Clicks + 1)
            .SetProperty(l => l.FirstClickedAt, l => l.FirstClickedAt ?? now), ct);
        await RecordMessageClickAsync(db, link.MessageId, now, ct);
        return Results.Redirect(link.Url);
    }

    /// <summary>
    /// A click link whose token carries its target: the link's row is made at its first click (nothing is stored at send
    /// time), so per-link counts read as before. A message erased since (its row gone) has no links any more.
    /// </summary>
    private static async Task<IResult> ClickSignedTargetAsync(HttpContext context, long messageId, string url, IDbContextFactory<AppDbContext> dbFactory,
        TimeProvider clock, CancellationToken ct)
    {
        if (!IsWebAddress(url))
        {
            return NotFound(context);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await RecordMessageClickAsync(db, messageId, now, ct) == 0)
        {
            return NotFound(context);
        }

        if (await db.TrackedLinks.Where(l => l.MessageId == messageId && l.Url == url).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Clicks, l => l.Clicks + 1), ct) == 0)
        {
            db.TrackedLinks.Add(new TrackedLink { MessageId = messageId, Url = url, Clicks = 1, FirstClickedAt = now });
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return Results.Redirect(url);
    }

    /// <summary>A click proves the message was opened, even when images were blocked. The number of messages found (0 or 1).</summary>
    private static Task<int> RecordMessageClickAsync(AppDbContext db, long messageId, DateTime now, CancellationToken ct) =>
        db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.ClickedAt, m => m.ClickedAt ?? now)
            .SetProperty(m => m.OpenedAt, m => m.OpenedAt ?? now), ct);

    // Links are http(s) by construction; checking again costs nothing and keeps this from ever becoming an open redirect.
    private static bool IsWebAddress(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var target) && (target.Scheme == Uri.UriSchemeHttp || target.Scheme == Uri.UriSchemeHttps);
}
