namespace CampaignStudio.Analytics.Experiments;

/// <summary>
/// When the studio shows CUPED-adjusted lifts without being asked: only when the pre-period covariate removes at least
/// <see cref="MinimumVarianceReduction"/> of the variance. Below that the interval narrows by under 2.5 % — not worth numbers
/// that no longer add up to the raw counts a manager can check. The list, the experiment page and the API all ask this rule.
/// </summary>
public static class CupedRule
{
    /// <summary>5 %: the smallest variance reduction for which CUPED is the default.</summary>
    public const double MinimumVarianceReduction = 0.05;

    /// <summary>Whether the adjustment is worth showing by default; false when there is none.</summary>
    public static bool IsWorthIt(CupedAdjustment? adjustment) => adjustment is { } a && a.VarianceReduction >= MinimumVarianceReduction;
}
