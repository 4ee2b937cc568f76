using CampaignStudio.Domain.Privacy;

namespace CampaignStudio.Analytics.Uplift;

/// <summary>Why a group is shown but left out of the disparate-impact ratio.</summary>
public enum FairnessExclusion
{
    /// <summary>The group takes part in the ratio.</summary>
    None,

    /// <summary>The attribute is not given for these customers: "unknown" is not a group anyone can be treated unfairly as.</summary>
    NotGiven,

    /// <summary>Fewer customers than the small-cell threshold: its rate is noise (and hidden for privacy).</summary>
    SmallGroup,
}

/// <summary>Selection and predicted uplift of one customer group.</summary>
/// <param name="Group">Group label (age band, gender, region …).</param>
/// <param name="N">Customers in the group.</param>
/// <param name="Selected">Customers of the group selected for targeting.</param>
/// <param name="SelectionRate">Selected / N.</param>
/// <param name="MeanPredictedUplift">Mean predicted uplift in the group.</param>
public sealed record GroupSelection(string Group, int N, int Selected, double SelectionRate, double MeanPredictedUplift)
{
    /// <summary>Whether (and why) the group is left out of the ratio; set by <see cref="FairnessCheck.FromGroups"/>.</summary>
    public FairnessExclusion Excluded { get; init; }
}

/// <summary>Whether a targeting rule selects some groups much less often than others.</summary>
/// <param name="Groups">Per-group selection, ordinal by name, including the groups left out of the ratio.</param>
/// <param name="DisparateImpactRatio">
/// Lowest selection rate / highest selection rate among the compared groups (1 = equal; NaN if nobody is selected or no group is compared).
/// </param>
/// <param name="Threshold">Ratio below which the rule is flagged (the "four-fifths rule", 0.8).</param>
/// <param name="Flagged">True when the ratio is below the threshold.</param>
public sealed record FairnessReport(IReadOnlyList<GroupSelection> Groups, double DisparateImpactRatio, double Threshold, bool Flagged)
{
    /// <summary>Groups smaller than this were left out of the ratio (the privacy setting's k).</summary>
    public int MinGroupSize { get; init; } = SmallGroups.DefaultMinimum;

    /// <summary>The groups the ratio compares.</summary>
    public IEnumerable<GroupSelection> Compared => Groups.Where(g => g.Excluded == FairnessExclusion.None);
}

/// <summary>Disparate-impact check of a targeting selection across customer groups.</summary>
public static class FairnessCheck
{
    /// <summary>The four-fifths rule of thumb used by US employment regulators.</summary>
    public const double FourFifths = 0.8;

    /// <summary>The label of customers whose value of the attribute is not known; every caller maps blanks to it.</summary>
    public const string NotGiven = "(not given)";

    /// <summary>
    /// Whether a group label means "value not given": blank, <see cref="NotGiven"/>, and the labels older stored uplift
    /// results ("(unknown)") and the covariate encoder ("(empty)") use for the same thing.
    /// </summary>
    public static bool IsNotGiven(string? group) =>
        string.IsNullOrWhiteSpace(group) || group is NotGiven or "(unknown)" or "(empty)";

    /// <summary>Selection rate and mean predicted uplift per group, and the min/max selection-rate ratio.</summary>
    public static FairnessReport Evaluate(
        IReadOnlyList<string> groups, IReadOnlyList<bool> selected, IReadOnlyList<double> predictedUplift, double threshold = FourFifths,
        int minGroupSize = SmallGroups.DefaultMinimum)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(predictedUplift);
        if (groups.Count != selected.Count || groups.Count != predictedUplift.Count || groups.Count == 0)
        {
            throw new ArgumentException("Need one group, selection flag and predicted uplift per customer.");
        }

        var rows = Enumerable.Range(0, groups.Count)
            .GroupBy(i => groups[i], StringComparer.Ordinal)
            .Select(g =>
            {
                var n = g.Count();
                var chosen = g.Count(i => selected[i]);
                return new GroupSelection(g.Key, n, chosen, (double)chosen / n, g.Average(i => predictedUplift[i]));
            });
        return FromGroups(rows, threshold, minGroupSize);
    }

    /// <summary>
    /// The same report from per-group counts (e.g. a SQL GROUP BY over a million customers, where per-customer lists would not fit).
    /// Groups are sorted by name; empty groups are left out. Groups whose value is not given (<see cref="IsNotGiven"/>) and groups
    /// of fewer than <paramref name="minGroupSize"/> customers are listed but not compared: an unknown value is no group, and a
    /// handful of customers at 0 % or 100 % would flag every campaign by chance.
    /// </summary>
    public static FairnessReport FromGroups(IEnumerable<GroupSelection> groups, double threshold = FourFifths, int minGroupSize = SmallGroups.DefaultMinimum)
    {
        var rows = groups.Where(g => g.N > 0).OrderBy(g => g.Group, StringComparer.Ordinal)
            .Select(g => g with
            {
                Excluded = IsNotGiven(g.Group) ? FairnessExclusion.NotGiven
                    : SmallGroups.IsSuppressed(g.N, minGroupSize) ? FairnessExclusion.SmallGroup
                    : FairnessExclusion.None,
            })
            .ToArray();
        var compared = rows.Where(r => r.Excluded == FairnessExclusion.None).ToArray();
        if (compared.Length == 0)
        {
            return new FairnessReport(rows, double.NaN, threshold, false) { MinGroupSize = minGroupSize };
        }

        var max = compared.Max(r => r.SelectionRate);
        var ratio = max > 0 ? compared.Min(r => r.SelectionRate) / max : double.NaN;
        return new FairnessReport(rows, ratio, threshold, ratio < threshold) { MinGroupSize = minGroupSize };
    }

    /// <summary>Same check for "target the top <paramref name="fraction"/> by predicted uplift".</summary>
    public static FairnessReport EvaluateTopFraction(
        IReadOnlyList<string> groups, IReadOnlyList<double> predictedUplift, double fraction, double threshold = FourFifths,
        int minGroupSize = SmallGroups.DefaultMinimum) =>
        Evaluate(groups, UpliftEvaluation.SelectTop(predictedUplift, fraction), predictedUplift, threshold, minGroupSize);
}
