namespace CampaignStudio.Analytics.Offers;

/// <summary>One recipient's draw when a policy is launched.</summary>
/// <param name="Arm">The offer the recipient gets.</param>
/// <param name="Propensity">The chance they had of getting exactly that offer: logged, so the next round learns without bias.</param>
/// <param name="Holdout">True for the no-message holdout the realised gain is measured against.</param>
/// <param name="Explored">True when the offer was drawn at random rather than taken from the policy.</param>
public readonly record struct LaunchDraw(int Arm, double Propensity, bool Holdout, bool Explored);

/// <summary>
/// Turns a recommended assignment into the offers actually sent: a no-message holdout first, then a random exploration
/// share spread uniformly over all arms, the rest as the policy says. Each recipient's propensity of the offer received,
/// P(arm) = h·1{arm = no message} + (1 − h)·(ε/K + (1 − ε)·1{arm = policy's}), is what the doubly-robust evaluation and
/// the next round's training need from a campaign that was not a plain randomized test.
/// </summary>
public static class ExplorationPlan
{
    /// <summary>The default exploration share (10 %).</summary>
    public const double DefaultExploration = 0.10;

    /// <summary>Draws every recipient's offer.</summary>
    /// <param name="policy">The recommended arm per recipient.</param>
    /// <param name="arms">Number of arms.</param>
    /// <param name="noMessageArm">Index of the "no message" arm the holdout gets.</param>
    /// <param name="exploration">Share of the non-holdout recipients whose offer is drawn uniformly over all arms.</param>
    /// <param name="holdout">Share of all recipients held out with no message.</param>
    /// <param name="seed">Seed of the draw: the same campaign draws the same offers.</param>
    public static LaunchDraw[] Draw(IReadOnlyList<int> policy, int arms, int noMessageArm, double exploration, double holdout, int seed)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (arms < 2 || noMessageArm < 0 || noMessageArm >= arms)
        {
            throw new ArgumentOutOfRangeException(nameof(arms), "At least two arms, and the no-message arm among them.");
        }

        if (!(exploration >= 0 && exploration <= 1) || !(holdout >= 0 && holdout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(exploration), "Exploration and holdout are shares (the holdout below 1).");
        }

        var random = new Random(seed);
        var draws = new LaunchDraw[policy.Count];
        for (var i = 0; i < policy.Count; i++)
        {
            var chosen = policy[i];
            if (chosen < 0 || chosen >= arms)
            {
                throw new ArgumentException("Every recipient's arm must be one of the arms.", nameof(policy));
            }

            bool isHoldout = random.NextDouble() < holdout, explored = false;
            var arm = noMessageArm;
            if (!isHoldout)
            {
                explored = random.NextDouble() < exploration;
                arm = explored ? random.Next(arms) : chosen;
            }

            draws[i] = new LaunchDraw(arm, Propensity(arm, chosen, arms, noMessageArm, exploration, holdout), isHoldout, explored);
        }

        return draws;
    }

    /// <summary>The chance a recipient whose policy arm is <paramref name="policyArm"/> gets <paramref name="arm"/>.</summary>
    public static double Propensity(int arm, int policyArm, int arms, int noMessageArm, double exploration, double holdout) =>
        (arm == noMessageArm ? holdout : 0) + (1 - holdout) * (exploration / arms + (arm == policyArm ? 1 - exploration : 0));
}
