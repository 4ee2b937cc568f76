using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using Microsoft.AspNetCore.DataProtection;

namespace CampaignStudio.Messaging.Links;

/// <summary>Who asked to unsubscribe, from which campaign.</summary>
public readonly record struct UnsubscribeRequest(long CustomerId, int CampaignId);

/// <summary>Lifetimes of the signed links.</summary>
public sealed record SignedTokenOptions
{
    /// <summary>Unsubscribe links must keep working long after the send (at least 60 days by law and by decency).</summary>
    public TimeSpan UnsubscribeLifetime { get; init; } = TimeSpan.FromDays(400);

    public TimeSpan DoubleOptInLifetime { get; init; } = TimeSpan.FromDays(7);
}

/// <summary>
/// Mints and reads the URL-safe signed tokens of e-mail links over ASP.NET Core Data Protection.
/// Each kind has its own purpose, so a token minted for one kind never validates as another.
/// Tokens that act for a customer are minted only from a proof that the mail goes to that customer: a
/// <see cref="MessageDelivery"/> (a campaign message the send pipeline leased) or a <see cref="ConfirmationPermit"/> (a
/// double opt-in e-mail the consent rules allow). Previews get <see cref="MessageLinks.Preview"/> instead.
/// The Try methods never throw on bad input: a link from the internet is untrusted. Each token has one spelling only.
/// </summary>
public sealed class SignedTokenService
{
    private const byte Version = 1;
    private const string PurposeRoot = "CampaignStudio.Messaging.Links";

    private readonly ExpiringProtector _unsubscribe;
    private readonly ExpiringProtector _confirmationUnsubscribe;
    private readonly ExpiringProtector _doubleOptIn;
    private readonly IDataProtector _tracking;
    private readonly IDataProtector _open;
    private readonly TimeProvider _time;
    private readonly SignedTokenOptions _options;

    public SignedTokenService(IDataProtectionProvider provider, TimeProvider time, SignedTokenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var root = provider.CreateProtector(PurposeRoot);
        _unsubscribe = new ExpiringProtector(root.CreateProtector("Unsubscribe.v1"));
        _confirmationUnsubscribe = new ExpiringProtector(root.CreateProtector("ConfirmationUnsubscribe.v1"));
        _doubleOptIn = new ExpiringProtector(root.CreateProtector("DoubleOptIn.v1"));
        _tracking = root.CreateProtector("TrackingLink.v1");
        _open = root.CreateProtector("OpenPixel.v1");
        _time = time;
        _options = options ?? new SignedTokenOptions();
    }

    /// <summary>
    /// The working links of one campaign message the send pipeline holds the lease on; its click links are signed with
    /// <paramref name="clicks"/> (the studio's click key), nothing is stored per link.
    /// </summary>
    public MessageLinks LinksFor(MessageDelivery delivery, string publicBaseUrl, ClickTokens clicks)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(clicks);
        var unsubscribe = UnsubscribeLinks.For(publicBaseUrl, CreateUnsubscribeToken(delivery.CustomerId, delivery.CampaignId));
        // The pixel is signed with the click key like the links (decision 054): no Data Protection token per message.
        var open = TrackingLinks.Open(publicBaseUrl, clicks.MintOpen(delivery.MessageId));
        return new MessageLinks(unsubscribe, open, publicBaseUrl, clicks, delivery.MessageId);
    }

    /// <summary>The confirm link and the "do not e-mail me" link of a double opt-in e-mail the consent rules allow.</summary>
    public ConfirmationLinks LinksFor(ConfirmationPermit permit, string publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(permit);
        var confirmPayload = new byte[9];
        confirmPayload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(confirmPayload.AsSpan(1), permit.CustomerId);
        var confirm = Base64Url.EncodeToString(_doubleOptIn.Protect(confirmPayload, _time.GetUtcNow() + _options.DoubleOptInLifetime));

        // Its own purpose: this unsubscribe link names no campaign, and campaign links must (see TryReadUnsubscribeToken).
        var unsubscribe = Base64Url.EncodeToString(_confirmationUnsubscribe.Protect(confirmPayload, _time.GetUtcNow() + _options.UnsubscribeLifetime));
        return new ConfirmationLinks(DoubleOptInLinks.For(publicBaseUrl, confirm), UnsubscribeLinks.For(publicBaseUrl, unsubscribe));
    }

    /// <summary>
    /// Reads an unsubscribe token of a campaign message or of a confirmation e-mail (campaign 0). A campaign token must name
    /// a campaign: tokens for campaign 0 were once rendered into previews, test sends and reviews, and stay refused.
    /// </summary>
    public bool TryReadUnsubscribeToken(string? token, out UnsubscribeRequest request)
    {
        request = default;
        if (TryUnprotect(_unsubscribe, token, 13, out var payload))
        {
            var campaignId = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(9));
            if (campaignId <= 0)
            {
                return false;
            }

            request = new UnsubscribeRequest(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)), campaignId);
            return true;
        }

        if (TryUnprotect(_confirmationUnsubscribe, token, 9, out payload))
        {
            request = new UnsubscribeRequest(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)), 0);
            return true;
        }

        return false;
    }

    public bool TryReadDoubleOptInToken(string? token, out long customerId)
    {
        customerId = 0;
        if (!TryUnprotect(_doubleOptIn, token, 9, out var payload))
        {
            return false;
        }

        customerId = BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1));
        return true;
    }

    /// <summary>
    /// The stored-link click tokens of mail sent before click tokens carried their target (decision 054): the link id of a
    /// <c>TrackedLinks</c> row. Tracked links do not expire: a click on an old newsletter should still reach the shop.
    /// </summary>
    public bool TryReadTrackingToken(string? token, out long linkId) => TryReadPermanent(_tracking, token, out linkId);

    /// <summary>
    /// The open pixel of mail sent before the pixel was signed with the click key (decision 054, session 12; new pixels are
    /// read by <see cref="ClickTokens.TryReadOpen"/>); its own purpose, so a link id never passes as a message id.
    /// </summary>
    public bool TryReadOpenToken(string? token, out long messageId) => TryReadPermanent(_open, token, out messageId);

    private string CreateUnsubscribeToken(long customerId, int campaignId)
    {
        Span<byte> payload = stackalloc byte[13];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload[1..], customerId);
        BinaryPrimitives.WriteInt32BigEndian(payload[9..], campaignId);
        return Base64Url.EncodeToString(_unsubscribe.Protect(payload.ToArray(), _time.GetUtcNow() + _options.UnsubscribeLifetime));
    }

    private static bool TryReadPermanent(IDataProtector protector, string? token, out long id)
    {
        id = 0;
        if (!TryDecode(token, out var bytes))
        {
            return false;
        }

        try
        {
            var payload = protector.Unprotect(bytes);
            if (payload.Length != 9 || payload[0] != Version)
            {
                return false;
            }

            id = BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private bool TryUnprotect(ExpiringProtector protector, string? token, int length, out byte[] payload)
    {
        payload = [];
        if (!TryDecode(token, out var bytes))
        {
            return false;
        }

        try
        {
            (payload, var expiration) = protector.Unprotect(bytes);
            return expiration > _time.GetUtcNow() && payload.Length == length && payload[0] == Version;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool TryDecode(string? token, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(token) || token.Length > 1024 || UnsubscribeLinks.IsPreview(token))
        {
            return false;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(token.Length)];
        try
        {
            // Despite its name, TryDecodeFromChars throws on characters outside the alphabet.
            if (!Base64Url.TryDecodeFromChars(token, buffer, out var written) || written == 0)
            {
                return false;
            }

            // One spelling per token: the decoder also reads padding, whitespace, the other base64 alphabet and set unused
            // bits as the same bytes, so the text must be exactly what encoding the bytes gives.
            bytes = buffer[..written];
            return string.Equals(Base64Url.EncodeToString(bytes), token, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// A kind of link that expires. Minted by Data Protection's time-limited protector, whose format is the expiry (UTC ticks,
    /// big-endian) before the payload, under one more purpose; read here so the expiry is checked on the studio's clock only.
    /// Data Protection's own reader checks it on the system clock, which is not "now" for a studio on a moved or fixed clock.
    /// </summary>
    private sealed class ExpiringProtector(IDataProtector purpose)
    {
        // Data Protection's purpose for time-limited payloads: the links in mails already sent carry it.
        private const string TimeLimitedPurpose = "Microsoft.AspNetCore.DataProtection.TimeLimitedDataProtector.v1";

        private readonly ITimeLimitedDataProtector _minter = purpose.ToTimeLimitedDataProtector();
        private readonly IDataProtector _reader = purpose.CreateProtector(TimeLimitedPurpose);

        public byte[] Protect(byte[] payload, DateTimeOffset expiration) => _minter.Protect(payload, expiration);

        /// <summary>The payload and its expiry, not checked; throws <see cref="CryptographicException"/> for a token that is not ours.</summary>
        public (byte[] Payload, DateTimeOffset Expiration) Unprotect(byte[] token)
        {
            var withExpiry = _reader.Unprotect(token);
            var ticks = withExpiry.Length >= sizeof(long) ? BinaryPrimitives.ReadInt64BigEndian(withExpiry) : -1;
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                throw new CryptographicException("The token carries no valid expiry.");
            }

            return (withExpiry[sizeof(long)..], new DateTimeOffset(ticks, TimeSpan.Zero));
        }
    }
}
