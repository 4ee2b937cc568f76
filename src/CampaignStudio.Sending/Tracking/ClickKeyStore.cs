using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Links;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Tracking;

/// <summary>
/// The studio's click key (decision 054): made once, kept in the settings table protected by Data Protection, the same on
/// every host, so a click link minted by one worker opens on every web instance. Read once per process.
/// </summary>
public sealed class ClickKeyStore(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    internal const string SettingKey = "Tracking:ClickKey";

    private readonly IDataProtector _protector = protection.CreateProtector("CampaignStudio.Tracking.ClickKey.v1");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClickTokens? _clicks;

    public async Task<ClickTokens> GetAsync(CancellationToken ct = default)
    {
        if (_clicks is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(ct);
        try
        {
            return _clicks ??= new ClickTokens(await OncePerStudioKey.GetOrCreateAsync(dbFactory, SettingKey, clock, key => _protector.Protect(Convert.ToBase64String(key)),
                stored => Convert.FromBase64String(_protector.Unprotect(stored)), ct));
        }
        finally
        {
            _gate.Release();
        }
    }
}
