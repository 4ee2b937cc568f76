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
/// sends) is final here, so the signature covers exactly what is sent. Without a key, messages pass unsigned.
/// </summary>
public sealed class DkimSigningTransport(IMailTransport inner, IDkimSignerSource signers) : IMailTransport, IAsyncDisposable
{
    public IMailTransport Inner => inner;

    public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (await signers.SignerAsync(cancellationToken) is { } signer)
        {
            signer.Sign(message);
        }

        return await inner.SendAsync(message, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
