using System.Security.Cryptography;
using System.Text;

namespace CampaignStudio.Domain.Flows;

/// <summary>
/// The flow's coin flips, deterministic: the same customer on the same trip at the same step always lands the same way, so a
/// step redone after a crash takes the same branch and holds out the same people. The holdout and the random split hash with
/// different salts, so who is held out at a send step says nothing about the arm they took at a split before it.
/// </summary>
public static class FlowDraws
{
    /// <summary>Whether the customer is in the send step's holdout (a share of <paramref name="percent"/> %).</summary>
    public static bool IsHeldOut(int flowId, string stepId, long customerId, int entryNumber, int percent) =>
        percent > 0 && Uniform("holdout", flowId, stepId, customerId, entryNumber) * 100 < percent;

    /// <summary>The arm a customer takes at a random split, by weight.</summary>
    public static FlowArm Arm(RandomSplitStep split, int flowId, long customerId, int entryNumber)
    {
        var total = split.Arms.Sum(a => a.Weight);
        var point = Uniform("split", flowId, split.Id, customerId, entryNumber) * total;
        foreach (var arm in split.Arms)
        {
            if (point < arm.Weight)
            {
                return arm;
            }

            point -= arm.Weight;
        }

        return split.Arms[^1];
    }

    /// <summary>A number in [0, 1) from a hash of the inputs.</summary>
    public static double Uniform(string salt, int flowId, string stepId, long customerId, int entryNumber)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}|{flowId}|{stepId}|{customerId}|{entryNumber}"), hash);
        return (BitConverter.ToUInt64(hash[..8]) >> 11) * (1.0 / (1UL << 53));
    }
}
