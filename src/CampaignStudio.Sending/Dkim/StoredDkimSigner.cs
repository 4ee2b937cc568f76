using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Dkim;

namespace CampaignStudio.Sending.Dkim;

/// <summary>
/// The signer for the key in Settings. Read again at most every <see cref="RefreshAfter"/> (a key saved on another instance is
/// used within that time; on this instance at once, see <see cref="Forget"/>), so sending does not ask the database per message.
/// </summary>
public sealed class StoredDkimSigner(DkimKeyStore store, TimeProvider clock) : IDkimSignerSource
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Current? _current;

    public async ValueTask<MessageSigner?> SignerAsync(CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is not null && clock.GetUtcNow() - current.ReadAt < RefreshAfter)
        {
            return current.Signer;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            current = _current;
            if (current is not null && clock.GetUtcNow() - current.ReadAt < RefreshAfter)
            {
                return current.Signer;
            }

            var (settings, privateKey) = await store.GetForSigningAsync(cancellationToken);
            var stamp = settings.IsSigning && privateKey is not null ? $"{settings.Domain}|{settings.Selector}|{settings.PublicKey}" : null;

            // The same key as before keeps its signer (and its per-thread RSA objects). An old signer is not disposed: a send
            // in flight may still hold it, and the runtime frees its keys when nothing does.
            var signer = stamp is null ? null
                : current?.Stamp == stamp ? current.Signer
                : new MessageSigner(settings.Domain, settings.Selector, privateKey!);
            _current = new Current(stamp, signer, clock.GetUtcNow());
            return signer;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Drops what was read, so the next message uses the key just saved.</summary>
    public void Forget() => _current = null;

    private sealed record Current(string? Stamp, MessageSigner? Signer, DateTimeOffset ReadAt);
}
