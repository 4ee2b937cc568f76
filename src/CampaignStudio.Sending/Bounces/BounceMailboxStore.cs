using System.Globalization;
using System.Security.Cryptography;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Bounces;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Bounces;

/// <summary>How the studio reaches the bounce mailbox (by name in JSON, as settings are written).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MailboxSecurity>))]
public enum MailboxSecurity
{
    None,
    SslOnConnect,
    StartTls,
}

/// <summary>How the studio reads the bounce mailbox (by name in JSON, as settings are written).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MailboxProtocol>))]
public enum MailboxProtocol
{
    /// <summary>Read mail is moved to folders ("Processed", "Not understood").</summary>
    Imap,

    /// <summary>POP3 has no folders: read mail is deleted once recorded; mail the studio cannot read stays in the inbox.</summary>
    Pop3,
}

/// <summary>
/// The bounce mailbox: the return address messages go out with (each gets its own <c>+</c> part, see
/// <see cref="ReturnAddresses"/>) and the IMAP or POP3 account that address delivers to (the Imap names hold for both). Empty <see cref="ReturnAddress"/> means
/// no return address: bounces then go to the From address as before and the mailbox is not read.
/// </summary>
public sealed record BounceMailboxSettings(string ReturnAddress, string ImapHost, int ImapPort, MailboxSecurity Security, string ImapUser,
    MailboxProtocol Protocol = MailboxProtocol.Imap)
{
    public static readonly BounceMailboxSettings Empty = new("", "", 993, MailboxSecurity.SslOnConnect, "");

    public bool SendsWithReturnAddress => !string.IsNullOrWhiteSpace(ReturnAddress);

    public bool CanRead => SendsWithReturnAddress && !string.IsNullOrWhiteSpace(ImapHost) && !string.IsNullOrWhiteSpace(ImapUser);
}

/// <summary>
/// Keeps the bounce mailbox settings in the settings table under <c>Bounces:</c>. The IMAP password and the return-address
/// key are stored protected by Data Protection (the key ring every studio host shares), never in clear, and the password is
/// never read back to a page.
/// </summary>
public sealed class BounceMailboxStore(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    private const string Prefix = "Bounces:";
    private const string PasswordKey = Prefix + "ImapPassword";
    private const string ReturnAddressKeyKey = Prefix + "ReturnAddressKey";

    private readonly IDataProtector _password = protection.CreateProtector("CampaignStudio.Bounces.ImapPassword.v1");
    private readonly IDataProtector _returnKey = protection.CreateProtector("CampaignStudio.Bounces.ReturnAddressKey.v1");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async Task<BounceMailboxSettings> GetAsync(CancellationToken ct = default)
    {
        var values = await ReadAsync(ct);
        string Read(string name, string fallback) => values.GetValueOrDefault(Prefix + name) ?? fallback;
        return new BounceMailboxSettings(
            Read(nameof(BounceMailboxSettings.ReturnAddress), ""),
            Read(nameof(BounceMailboxSettings.ImapHost), ""),
            int.TryParse(values.GetValueOrDefault(Prefix + nameof(BounceMailboxSettings.ImapPort)), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 993,
            Enum.TryParse<MailboxSecurity>(values.GetValueOrDefault(Prefix + nameof(BounceMailboxSettings.Security)), out var security) ? security : MailboxSecurity.SslOnConnect,
            Read(nameof(BounceMailboxSettings.ImapUser), ""),
            Enum.TryParse<MailboxProtocol>(values.GetValueOrDefault(Prefix + nameof(BounceMailboxSettings.Protocol)), out var protocol) ? protocol : MailboxProtocol.Imap);
    }

    public async Task<bool> HasPasswordAsync(CancellationToken ct = default) => (await ReadAsync(ct)).GetValueOrDefault(PasswordKey) is { Length: > 0 };

    /// <summary>Saves the settings; a null <paramref name="password"/> keeps the stored one.</summary>
    public async Task SaveAsync(BounceMailboxSettings settings, string? password, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.SendsWithReturnAddress)
        {
            // Checks the address's shape before any message goes out with it.
            _ = new ReturnAddresses(settings.ReturnAddress.Trim(), new byte[32]);
        }

        var values = new Dictionary<string, string?>
        {
            [Prefix + nameof(BounceMailboxSettings.ReturnAddress)] = settings.ReturnAddress.Trim(),
            [Prefix + nameof(BounceMailboxSettings.ImapHost)] = settings.ImapHost.Trim(),
            [Prefix + nameof(BounceMailboxSettings.ImapPort)] = settings.ImapPort.ToString(CultureInfo.InvariantCulture),
            [Prefix + nameof(BounceMailboxSettings.Security)] = settings.Security.ToString(),
            [Prefix + nameof(BounceMailboxSettings.ImapUser)] = settings.ImapUser.Trim(),
            [Prefix + nameof(BounceMailboxSettings.Protocol)] = settings.Protocol.ToString(),
        };
        if (password is not null)
        {
            values[PasswordKey] = password.Length == 0 ? null : _password.Protect(password);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, values, clock.GetUtcNow().UtcDateTime, ct);
    }

    /// <summary>The IMAP password in clear, for the mailbox reader only.</summary>
    internal async Task<string> PasswordAsync(CancellationToken ct) =>
        (await ReadAsync(ct)).GetValueOrDefault(PasswordKey) is { Length: > 0 } stored ? _password.Unprotect(stored) : "";

    /// <summary>The return addresses for the current settings, or null when messages go out without one.</summary>
    public async Task<ReturnAddresses?> ReturnAddressesAsync(CancellationToken ct = default)
    {
        var settings = await GetAsync(ct);
        return settings.SendsWithReturnAddress ? new ReturnAddresses(settings.ReturnAddress, await KeyAsync(ct)) : null;
    }

    /// <summary>The signed message names (same key as the return addresses), wanted with or without a return address.</summary>
    public async Task<MessageReferences> MessageReferencesAsync(CancellationToken ct = default) => new(await KeyAsync(ct));

    /// <summary>The return-address key: created once (random), kept protected in the settings table, the same for every instance.</summary>
    private async Task<byte[]> KeyAsync(CancellationToken ct)
    {
        if (_key is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            return _key = await OncePerStudioKey.GetOrCreateAsync(dbFactory, ReturnAddressKeyKey, clock,
                key => _returnKey.Protect(Convert.ToBase64String(key)), stored => Convert.FromBase64String(_returnKey.Unprotect(stored)), ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Dictionary<string, string?>> ReadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
    }
}
