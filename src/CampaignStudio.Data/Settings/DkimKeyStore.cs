using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Settings;

/// <summary>The DKIM signing settings as the studio shows them: never the private key.</summary>
/// <param name="Domain">The signing domain (d=); empty until set.</param>
/// <param name="Selector">The selector (s=): names the key's DNS record, so a new key can be published beside the old one.</param>
/// <param name="PublicKey">Base64 of the public key, as the DNS record's p=; null while no key exists.</param>
public sealed record DkimSettings(string Domain, string Selector, string? PublicKey, DateTime? KeyCreatedAt)
{
    public const string DefaultSelector = "studio";

    public bool HasKey => PublicKey is { Length: > 0 };

    /// <summary>Mail is signed only with a key, a domain and a selector.</summary>
    public bool IsSigning => HasKey && Domain.Length > 0 && Selector.Length > 0;
}

/// <summary>
/// Keeps the DKIM key as rows of the settings table: the private key encrypted with the studio's Data Protection keys (which
/// live in the same database, so every instance can sign), the public key in clear for the DNS record.
/// </summary>
public sealed class DkimKeyStore(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    private const string Prefix = "Dkim:";
    private const string DomainKey = Prefix + "Domain";
    private const string SelectorKey = Prefix + "Selector";
    private const string PublicKeyKey = Prefix + "PublicKey";
    private const string PrivateKeyKey = Prefix + "PrivateKey";
    private const string CreatedKey = Prefix + "KeyCreatedAt";

    /// <summary>A purpose of its own: a value protected for anything else (links, cookies) cannot be read as a key, nor the reverse.</summary>
    private readonly IDataProtector _protector = protection.CreateProtector("CampaignStudio.Dkim.PrivateKey.v1");

    public async Task<DkimSettings> GetAsync(CancellationToken ct = default) => SettingsFrom(await ReadAsync(ct));

    /// <summary>The settings and the private key in PEM, for the signer only; null key while none is stored.</summary>
    public async Task<(DkimSettings Settings, string? PrivateKeyPem)> GetForSigningAsync(CancellationToken ct = default)
    {
        var values = await ReadAsync(ct);
        var protectedKey = values.GetValueOrDefault(PrivateKeyKey);
        return (SettingsFrom(values), protectedKey is { Length: > 0 } ? _protector.Unprotect(protectedKey) : null);
    }

    private static DkimSettings SettingsFrom(Dictionary<string, string?> values)
    {
        return new DkimSettings(values.GetValueOrDefault(DomainKey) ?? "", values.GetValueOrDefault(SelectorKey) ?? DkimSettings.DefaultSelector,
            values.GetValueOrDefault(PublicKeyKey),
            DateTime.TryParse(values.GetValueOrDefault(CreatedKey), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var created)
                ? created
                : null);
    }

    public async Task SaveDomainAsync(string domain, string selector, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [DomainKey] = domain.Trim().TrimEnd('.').ToLowerInvariant(),
            [SelectorKey] = selector.Trim().ToLowerInvariant(),
        }, clock.GetUtcNow().UtcDateTime, ct);
    }

    /// <summary>Stores a key pair, replacing the old one; the caller has checked the key and derived the public half.</summary>
    public async Task SaveKeyAsync(string privateKeyPem, string publicKey, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, new Dictionary<string, string?>
        {
            [PrivateKeyKey] = _protector.Protect(privateKeyPem),
            [PublicKeyKey] = publicKey,
            [CreatedKey] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }, now, ct);
    }

    private async Task<Dictionary<string, string?>> ReadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
    }
}
