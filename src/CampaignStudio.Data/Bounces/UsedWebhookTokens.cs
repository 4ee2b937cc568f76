using CampaignStudio.Domain.Bounces;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Bounces;

/// <summary>One use per webhook token, cluster-wide (the unique index decides between instances).</summary>
public static class UsedWebhookTokens
{
    /// <summary>How long used tokens are kept: far longer than any freshness window, so an old token is refused as stale anyway.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(1);

    /// <summary>Uses the token; false when it was used before.</summary>
    public static async Task<bool> TryUseAsync(IDbContextFactory<AppDbContext> dbFactory, string provider, string token, DateTime now, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var old = now - KeptFor;
        await db.UsedWebhookTokens.Where(t => t.UsedAt < old).ExecuteDeleteAsync(ct);
        if (await db.UsedWebhookTokens.AnyAsync(t => t.Provider == provider && t.Token == token, ct))
        {
            return false;
        }

        db.UsedWebhookTokens.Add(new UsedWebhookToken { Provider = provider, Token = token, UsedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // The same request reached another instance at the same moment: it used the token.
            return false;
        }
    }

    /// <summary>Gives a token back when the request it came with could not be recorded, so the provider's retry is not taken for a replay.</summary>
    public static async Task ReleaseAsync(IDbContextFactory<AppDbContext> dbFactory, string provider, string token)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.UsedWebhookTokens.Where(t => t.Provider == provider && t.Token == token).ExecuteDeleteAsync();
    }
}
