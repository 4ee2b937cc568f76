using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CampaignStudio.Messaging.Links;

/// <summary>
/// The tokens of tracked click links: the message id and the target URL, signed with HMAC-SHA256 under a key every studio
/// host shares. The target travels in the signed token, so nothing is stored at send time and the redirect still only goes
/// where the studio sent the reader: a token with a changed URL finds no valid tag (no open redirect). Minted only through
/// <see cref="SignedTokenService.LinksFor(Domain.Campaigns.MessageDelivery, string, ClickTokens)"/>, i.e. for a leased
/// message (decision 054).
/// </summary>
public sealed class ClickTokens
{
    /// <summary>The first byte of a click token; Data Protection's tokens (the stored links of older mail) start with 0x09.</summary>
    internal const byte Version = 2;

    private const int TagBytes = 16;
    private const int HeaderBytes = 1 + sizeof(long);

    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("CampaignStudio.Links.Click.v2:");

    private readonly byte[] _key;

    /// <param name="key">At least 32 random bytes, the same on every studio instance.</param>
    public ClickTokens(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 32);
        _key = key;
    }

    /// <summary>The longest token: a click link stays a sane URL (targets are at most <see cref="Domain.Limits.Url"/> characters).</summary>
    public static int MaxTokenLength { get; } = Base64Url.GetEncodedLength(HeaderBytes + (Domain.Limits.Url * 3) + TagBytes);

    internal string Mint(long messageId, string url)
    {
        var urlBytes = Encoding.UTF8.GetByteCount(url);
        var token = new byte[HeaderBytes + urlBytes + TagBytes];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1), messageId);
        Encoding.UTF8.GetBytes(url, token.AsSpan(HeaderBytes));
        Sign(token.AsSpan(0, HeaderBytes + urlBytes), token.AsSpan(HeaderBytes + urlBytes));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Reads a click token minted here; false for anything else (old stored-link tokens included), never throws.</summary>
    public bool TryRead(string? token, out long messageId, out string url)
    {
        messageId = 0;
        url = "";
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !Base64Url.IsValid(token.AsSpan(), out var length)
            || length < HeaderBytes + TagBytes + 1)
        {
            return false;
        }

        var bytes = new byte[length];
        try
        {
            // One spelling per token, as for the other signed links: the text must be exactly what encoding the bytes gives.
            if (!Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != length || bytes[0] != Version
                || !string.Equals(Base64Url.EncodeToString(bytes), token, StringComparison.Ordinal))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        var signed = bytes.AsSpan(0, length - TagBytes);
        Span<byte> expected = stackalloc byte[TagBytes];
        Sign(signed, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(length - TagBytes)))
        {
            return false;
        }

        messageId = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        url = Encoding.UTF8.GetString(signed[HeaderBytes..]);
        return messageId > 0;
    }

    private void Sign(ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        var input = new byte[Purpose.Length + payload.Length];
        Purpose.CopyTo(input, 0);
        payload.CopyTo(input.AsSpan(Purpose.Length));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, input, mac);
        mac[..TagBytes].CopyTo(tag);
    }
}
