using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CampaignStudio.Domain.Campaigns;

namespace CampaignStudio.Messaging.Bounces;

/// <summary>
/// The signed name of one sent message, <c>{message id}-{tag}</c>: the same MAC under the same key as the part after the
/// '+' of its return address (<see cref="ReturnAddresses"/>), so either names the message and a forged one names none. It
/// travels in the <see cref="Header"/> header (and the provider metadata of <see cref="Providers.ProviderHeaders"/>), which
/// the sending providers echo back in their bounce and complaint webhooks.
/// </summary>
public sealed class MessageReferences
{
    public const string Header = "X-CampaignStudio-Message";

    private const int TagBytes = 10;
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("CampaignStudio.Bounces.ReturnAddress.v1:");

    private readonly byte[] _key;

    /// <param name="key">At least 32 random bytes, the same on every studio instance (the return-address key).</param>
    public MessageReferences(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 32);
        _key = key;
    }

    /// <summary>The reference of one message the send pipeline holds the lease on.</summary>
    public string For(MessageDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return For(delivery.MessageId);
    }

    /// <summary>Reads a reference (surrounding spaces and case do not matter); false for anything not minted here.</summary>
    public bool TryRead(string? reference, out long messageId)
    {
        messageId = 0;
        var value = reference?.Trim();
        var dash = value?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (value is null || dash <= 0 || value.Length - dash - 1 != 16
            || !long.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return false;
        }

        if (!IsTag(id, value[(dash + 1)..]))
        {
            return false;
        }

        messageId = id;
        return true;
    }

    internal string For(long messageId) => $"{messageId.ToString(CultureInfo.InvariantCulture)}-{Tag(messageId)}";

    /// <summary>Whether <paramref name="tag"/> is this message's tag, compared in constant time.</summary>
    internal bool IsTag(long messageId, string tag) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Tag(messageId)), Encoding.ASCII.GetBytes(tag.ToLowerInvariant()));

    internal string Tag(long messageId)
    {
        Span<byte> input = stackalloc byte[Purpose.Length + sizeof(long)];
        Purpose.CopyTo(input);
        BinaryPrimitives.WriteInt64BigEndian(input[Purpose.Length..], messageId);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, input, mac);
        return Base32(mac[..TagBytes]);
    }

    /// <summary>RFC 4648 base32 in lower case, no padding (10 bytes = 16 characters): mail servers lower-case local parts.</summary>
    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var result = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                result.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            result.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        return result.ToString();
    }
}
