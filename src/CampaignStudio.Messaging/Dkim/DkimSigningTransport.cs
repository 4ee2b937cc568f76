using System.Security.Cryptography;
using CampaignStudio.Messaging.Transport;
using MimeKit;

namespace CampaignStudio.Messaging.Dkim;

/// <summary>Where the studio's current DKIM signer comes from; null while no key is set (signing is off).</summary>
public interface IDkimSignerSource
{
    ValueTask<MessageSigner?> SignerAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// The one place mail is signed: every message that leaves through the studio's transport (campaigns, confirmations, test
/// sends) is final here, so the signature covers exactly what is sent. Without a key, messages pass unsigned; with a key
/// that cannot be used, they are not sent (a transient failure with the reason).
/// </summary>
public sealed class DkimSigningTransport(IMailTransport inner, IDkimSignerSource signers) : IMailTransport, IAsyncDisposable
{
    public IMailTransport Inner => inner;

    public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) =>
        SendAsync(message, null, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            if (await signers.SignerAsync(cancellationToken) is { } signer)
            {
                signer.Sign(message);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            // A key that cannot be read (Data Protection keys lost, a damaged row) must not send the shop's mail unsigned
            // behind its back: the message waits and is retried, with the reason in the ledger.
            return SendResult.Transient(null, $"Could not DKIM-sign the message: {ex.Message}. Check the key in Settings → Signing and DNS.");
        }

        return await inner.SendAsync(message, returnPath, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
