namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// One round of an adaptive experiment: the weights that took effect at <see cref="TookEffectAt"/> and held until the next
/// round. The log of rounds is what the final analysis reweights by, so a row is written once and never changed.
/// </summary>
public class AllocationRound
{
    public long Id { get; set; }
    public int ExperimentId { get; set; }

    /// <summary>0 for the first round (equal weights, sent at the start).</summary>
    public int Number { get; set; }

    public DateTime TookEffectAt { get; set; }

    /// <summary>Weight per arm as JSON: variant id → share of the round's customers (summing to 1).</summary>
    public string WeightsJson { get; set; } = "{}";

    /// <summary>Customers assigned in this round.</summary>
    public int Customers { get; set; }
}

/// <summary>Which round a customer of an adaptive experiment belongs to: random, fixed by (salt, customer) like the arm.</summary>
public static class AllocationRounds
{
    /// <summary>The round (0 … rounds − 1) of a customer; hashed apart from the arm pick so rounds and arms are independent.</summary>
    public static int RoundOf(string salt, long customerId, int rounds) =>
        rounds <= 1 ? 0 : Math.Min(rounds - 1, (int)(VariantPicker.Unit(salt + ":round", customerId) * rounds));
}
