using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
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
/// The Try methods never throw on bad input: a link from the internet is untrusted. Each token has one spelling only.
/// </summary>
public sealed class SignedTokenService
{
    private const byte Version = 1;
    private const string PurposeRoot = "CampaignStudio.Messaging.Links";

    private readonly ITimeLimitedDataProtector _unsubscribe;
    private readonly ITimeLimitedDataProtector _doubleOptIn;
    private readonly IDataProtector _tracking;
    private readonly IDataProtector _open;
    private readonly TimeProvider _time;
    private readonly SignedTokenOptions _options;

    public SignedTokenService(IDataProtectionProvider provider, TimeProvider time, SignedTokenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var root = provider.CreateProtector(PurposeRoot);
        _unsubscribe = root.CreateProtector("Unsubscribe.v1").ToTimeLimitedDataProtector();
        _doubleOptIn = root.CreateProtector("DoubleOptIn.v1").ToTimeLimitedDataProtector();
        _tracking = root.CreateProtector("TrackingLink.v1");
        _open = root.CreateProtector("OpenPixel.v1");
        _time = time;
        _options = options ?? new SignedTokenOptions();
    }

    public string CreateUnsubscribeToken(long customerId, int campaignId)
    {
        Span<byte> payload = stackalloc byte[13];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload[1..], customerId);
        BinaryPrimitives.WriteInt32BigEndian(payload[9..], campaignId);
        return Base64Url.EncodeToString(_unsubscribe.Protect(payload.ToArray(), _time.GetUtcNow() + _options.UnsubscribeLifetime));
    }

    public bool TryReadUnsubscribeToken(string? token, out UnsubscribeRequest request)
    {
        request = default;
        if (!TryUnprotect(_unsubscribe, token, 13, out var payload))
        {
            return false;
        }

        request = new UnsubscribeRequest(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)), BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(9)));
        return true;
    }

    public string CreateDoubleOptInToken(long customerId, TimeSpan? lifetime = null)
    {
        var payload = new byte[9];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), customerId);
        return Base64Url.EncodeToString(_doubleOptIn.Protect(payload, _time.GetUtcNow() + (lifetime ?? _options.DoubleOptInLifetime)));
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

    /// <summary>Tracked links do not expire: a click on an old newsletter should still reach the shop.</summary>
    public string CreateTrackingToken(long linkId) => CreatePermanent(_tracking, linkId);

    public bool TryReadTrackingToken(string? token, out long linkId) => TryReadPermanent(_tracking, token, out linkId);

    /// <summary>The open pixel of one message; its own purpose, so a link id never passes as a message id.</summary>
    public string CreateOpenToken(long messageId) => CreatePermanent(_open, messageId);

    public bool TryReadOpenToken(string? token, out long messageId) => TryReadPermanent(_open, token, out messageId);

    private static string CreatePermanent(IDataProtector protector, long id)
    {
        var payload = new byte[9];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), id);
        return Base64Url.EncodeToString(protector.Protect(payload));
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

    private bool TryUnprotect(ITimeLimitedDataProtector protector, string? token, int length, out byte[] payload)
    {
        payload = [];
        if (!TryDecode(token, out var bytes))
        {
            return false;
        }

        try
        {
            payload = protector.Unprotect(bytes, out var expiration);

            // Data Protection checks expiry on the system clock; checking our clock too keeps tests and callers honest.
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
        if (string.IsNullOrWhiteSpace(token) || token.Length > 1024)
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
}
