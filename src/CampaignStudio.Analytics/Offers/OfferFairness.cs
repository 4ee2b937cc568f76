using CampaignStudio.Domain.Privacy;
using CampaignStudio.Analytics.Uplift;

namespace CampaignStudio.Analytics.Offers;

/// <summary>Who gets which offer: the fairness panel of a policy, one report per arm.</summary>
public static class OfferFairness
{
    /// <summary>
    /// Per arm, the selection rate by group of "gets this arm" with the mean expected gain over "no message" per group
    /// (the same check and small-group rules as <see cref="FairnessCheck"/>), so a discount that only one age group or
    /// one country gets is visible before launch.
    /// </summary>
    /// <param name="groups">Group label per customer (e.g. age band, country).</param>
    /// <param name="policy">The trained policy.</param>
    /// <param name="controlArm">Index of the "no message" arm the gains are measured from.</param>
    /// <param name="threshold">Disparate-impact threshold (four-fifths).</param>
    /// <param name="minGroupSize">Groups smaller than this are listed but not compared.</param>
    public static IReadOnlyList<FairnessReport> PerArm(
        IReadOnlyList<string> groups, OfferPolicy policy, int controlArm, double threshold = FairnessCheck.FourFifths,
        int minGroupSize = SmallGroups.DefaultMinimum)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(policy);
        var arms = policy.ExpectedValues.Length == 0 ? 0 : policy.ExpectedValues[0].Length;
        return Enumerable.Range(0, arms)
            .Select(a => FairnessCheck.Evaluate(
                groups,
                policy.RecommendedAssignment.Select(x => x == a).ToArray(),
                policy.ExpectedValues.Select(v => v[a] - v[controlArm]).ToArray(),
                threshold,
                minGroupSize))
            .ToArray();
    }
}
