using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// Random but deterministic assignment: a customer's arm is a pure function of (experiment salt, customer id, weights),
/// so re-running a launch, a second instance or a restart all pick the same arm without coordination.
/// </summary>
public static class VariantPicker
{
    /// <summary>A uniform number in [0, 1) from the hash of salt and customer.</summary>
    public static double Unit(string salt, long customerId)
    {
        Span<byte> input = stackalloc byte[Encoding.UTF8.GetMaxByteCount(salt.Length) + 9];
        var length = Encoding.UTF8.GetBytes(salt, input);
        input[length++] = (byte)':';
        BinaryPrimitives.WriteInt64BigEndian(input[length..], customerId);
        length += 8;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);
        // 53 random bits: every double in [0, 1) this can produce is exactly representable.
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The variant for a customer; variants in their sort order, weights need not sum to 1.</summary>
    public static Variant Pick(string salt, long customerId, IReadOnlyList<Variant> variants)
    {
        if (variants.Count == 0)
        {
            throw new ArgumentException("An experiment needs at least one variant.", nameof(variants));
        }

        var total = variants.Sum(v => Math.Max(0, v.Weight));
        var point = Unit(salt, customerId) * total;
        var cumulative = 0.0;
        foreach (var variant in variants)
        {
            cumulative += Math.Max(0, variant.Weight);
            if (point < cumulative)
            {
                return variant;
            }
        }

        return variants[^1];
    }
}
