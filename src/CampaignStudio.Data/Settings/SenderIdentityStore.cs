using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>Who the studio's marketing e-mail comes from, and the postal address every footer must carry.</summary>
/// <param name="PublicBaseUrl">Address recipients reach the studio at (unsubscribe, tracking links), e.g. https://studio.example.com.</param>
public sealed record SenderIdentity(string FromName, string FromAddress, string? ReplyTo, string PostalAddress, string PublicBaseUrl)
{
    public static readonly SenderIdentity Empty = new("", "", null, "", "http://localhost:5000");

    /// <summary>The demo shop's sender, so the demo can send (to the pickup folder) out of the box.</summary>
    public static readonly SenderIdentity Demo = new("Demo Shop", "news@demo-shop.example", "hello@demo-shop.example",
        "Demo Shop GmbH · Musterstraße 1 · 10115 Berlin · Germany", "http://localhost:5000");

    /// <summary>Sending stays blocked until a from-address and a postal address are set (anti-spam law wants both in every message).</summary>
    public bool IsReadyToSend => !string.IsNullOrWhiteSpace(FromAddress) && !string.IsNullOrWhiteSpace(PostalAddress);
}

/// <summary>Reads and writes the sender identity as rows of the settings table (no schema of its own).</summary>
public sealed class SenderIdentityStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    private const string Prefix = "Sender:";

    /// <summary>The settings row holding the From address (read by the launch to note the campaign's sending domain).</summary>
    public const string FromAddressKey = Prefix + nameof(SenderIdentity.FromAddress);

    /// <summary>The domain of an address, lower case; null when it has none.</summary>
    public static string? DomainOf(string? address) =>
        address?.Trim() is { } a && a.LastIndexOf('@') is var at and > 0 && at < a.Length - 1 ? a[(at + 1)..].ToLowerInvariant() : null;

    public async Task<SenderIdentity> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        string Read(string name, string fallback) => values.GetValueOrDefault(Prefix + name) ?? fallback;
        return new SenderIdentity(
            Read(nameof(SenderIdentity.FromName), SenderIdentity.Empty.FromName),
            Read(nameof(SenderIdentity.FromAddress), SenderIdentity.Empty.FromAddress),
            values.GetValueOrDefault(Prefix + nameof(SenderIdentity.ReplyTo)),
            Read(nameof(SenderIdentity.PostalAddress), SenderIdentity.Empty.PostalAddress),
            Read(nameof(SenderIdentity.PublicBaseUrl), SenderIdentity.Empty.PublicBaseUrl));
    }

    public async Task SaveAsync(SenderIdentity identity, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var wanted = new Dictionary<string, string?>
        {
            [Prefix + nameof(SenderIdentity.FromName)] = identity.FromName.Trim(),
            [Prefix + nameof(SenderIdentity.FromAddress)] = identity.FromAddress.Trim(),
            [Prefix + nameof(SenderIdentity.ReplyTo)] = string.IsNullOrWhiteSpace(identity.ReplyTo) ? null : identity.ReplyTo.Trim(),
            [Prefix + nameof(SenderIdentity.PostalAddress)] = identity.PostalAddress.Trim(),
            [Prefix + nameof(SenderIdentity.PublicBaseUrl)] = identity.PublicBaseUrl.Trim().TrimEnd('/'),
        };
        await SettingRows.WriteAsync(db, wanted, now, ct);
    }
}
