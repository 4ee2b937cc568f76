namespace CampaignStudio.Domain.Privacy;

/// <summary>How aggregate pages and exports protect small groups; one setting for every feature that shows counts.</summary>
/// <param name="MinGroupSize">k: groups of fewer customers are shown as "&lt; k" (see <see cref="SmallGroups"/>).</param>
/// <param name="NoiseEpsilon">ε of the Laplace noise added to exported counts; null = no noise.</param>
public sealed record PrivacySettings(int MinGroupSize = SmallGroups.DefaultMinimum, double? NoiseEpsilon = null)
{
    public const int SmallestAllowedK = 2;

    public const int LargestAllowedK = 1000;

    /// <summary>The Laplace scale b = 1/ε the export adds to each count; null without noise.</summary>
    public double? NoiseScale => NoiseEpsilon is > 0 ? 1 / NoiseEpsilon : null;

    /// <summary>What is wrong with these settings, in a sentence; null when they can be saved.</summary>
    public string? Problem => MinGroupSize is < SmallestAllowedK or > LargestAllowedK || NoiseEpsilon is <= 0
        ? $"k must be {SmallestAllowedK}–{LargestAllowedK} and ε positive."
        : null;
}
