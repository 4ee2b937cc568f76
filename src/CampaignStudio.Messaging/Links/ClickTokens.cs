using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CampaignStudio.Messaging.Links;

/// <summary>
/// The tokens of tracked click links: the message id and the target URL, signed with HMAC-SHA256 under a key every studio
/// host shares. The target travels in the signed token, so nothing is stored at send time and the redirect still only goes
/// where the studio sent the reader: a token with a changed URL finds no valid tag (no open redirect). The open pixel's
/// token is the message id signed the same way under its own purpose and version, so neither kind reads as the other.
/// Minted only through <see cref="SignedTokenService.LinksFor(Domain.Campaigns.MessageDelivery, string, ClickTokens)"/>,
/// i.e. for a leased message (decision 054).
/// </summary>
public sealed class ClickTokens
{
    /// <summary>The first byte of a click token; Data Protection's tokens (the stored links of older mail) start with 0x09.</summary>
    internal const byte Version = 2;

    /// <summary>The first byte of an open-pixel token (decision 054, session 12).</summary>
    internal const byte OpenVersion = 3;

    private const int TagBytes = 16;
    private const int HeaderBytes = 1 + sizeof(long);

    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("CampaignStudio.Links.Click.v2:");
    private static readonly byte[] OpenPurpose = Encoding.ASCII.GetBytes("CampaignStudio.Links.Open.v3:");

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
        var token = new byte[HeaderBytes + Encoding.UTF8.GetByteCount(url) + TagBytes];
        Fill(messageId, url, token);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The same token as <see cref="Mint(long, string)"/>, appended to <paramref name="writer"/> from pooled bytes (the send step's link rewrite).</summary>
    internal void Mint(long messageId, ReadOnlySpan<char> url, Templates.CharBufferWriter writer)
    {
        var length = HeaderBytes + Encoding.UTF8.GetByteCount(url) + TagBytes;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var token = rented.AsSpan(0, length);
            Fill(messageId, url, token);
            var chars = writer.GetSpan(Base64Url.GetEncodedLength(length));
            writer.Advance(Base64Url.EncodeToChars(token, chars));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Fill(long messageId, ReadOnlySpan<char> url, Span<byte> token)
    {
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], messageId);
        var urlBytes = Encoding.UTF8.GetBytes(url, token[HeaderBytes..]);
        Sign(Purpose, token[..(HeaderBytes + urlBytes)], token[(HeaderBytes + urlBytes)..]);
    }

    /// <summary>
    /// The open pixel's token: an HMAC like the click links' (about a microsecond) instead of a Data Protection token (an
    /// encryption and fresh randomness per message), deterministic, and a third as long.
    /// </summary>
    internal string MintOpen(long messageId)
    {
        var token = new byte[HeaderBytes + TagBytes];
        token[0] = OpenVersion;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1), messageId);
        Sign(OpenPurpose, token.AsSpan(0, HeaderBytes), token.AsSpan(HeaderBytes));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Reads a click token minted here; false for anything else (old stored-link tokens included), never throws.</summary>
    public bool TryRead(string? token, out long messageId, out string url)
    {
        messageId = 0;
        url = "";
        if (Verified(token, Version, Purpose, HeaderBytes + TagBytes + 1) is not { } bytes)
        {
            return false;
        }

        messageId = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        url = Encoding.UTF8.GetString(bytes.AsSpan(HeaderBytes, bytes.Length - HeaderBytes - TagBytes));
        return messageId > 0;
    }

    /// <summary>Reads an open-pixel token minted here; false for anything else (the Data Protection pixels of older mail included), never throws.</summary>
    public bool TryReadOpen(string? token, out long messageId)
    {
        messageId = 0;
        if (Verified(token, OpenVersion, OpenPurpose, HeaderBytes + TagBytes) is not { Length: HeaderBytes + TagBytes } bytes)
        {
            return false;
        }

        messageId = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        return messageId > 0;
    }

    /// <summary>The token's bytes when it is of this version, in its one spelling, and its tag is right; otherwise null.</summary>
    private byte[]? Verified(string? token, byte version, byte[] purpose, int minLength)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !Base64Url.IsValid(token.AsSpan(), out var length) || length < minLength)
        {
            return null;
        }

        var bytes = new byte[length];
        try
        {
            // One spelling per token, as for the other signed links: the text must be exactly what encoding the bytes gives.
            if (!Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != length || bytes[0] != version
                || !string.Equals(Base64Url.EncodeToString(bytes), token, StringComparison.Ordinal))
            {
                return null;
            }
        }
        catch (FormatException)
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[TagBytes];
        Sign(purpose, bytes.AsSpan(0, length - TagBytes), expected);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(length - TagBytes)) ? bytes : null;
    }

    private void Sign(byte[] purpose, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        var length = purpose.Length + payload.Length;
        var input = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            purpose.CopyTo(input, 0);
            payload.CopyTo(input.AsSpan(purpose.Length));
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, input.AsSpan(0, length), mac);
            mac[..TagBytes].CopyTo(tag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }
}
