namespace CampaignStudio.Analytics.Uplift;

/// <summary>Selection and predicted uplift of one customer group.</summary>
/// <param name="Group">Group label (age band, gender, region …).</param>
/// <param name="N">Customers in the group.</param>
/// <param name="Selected">Customers of the group selected for targeting.</param>
/// <param name="SelectionRate">Selected / N.</param>
/// <param name="MeanPredictedUplift">Mean predicted uplift in the group.</param>
public sealed record GroupSelection(string Group, int N, int Selected, double SelectionRate, double MeanPredictedUplift);

/// <summary>Whether a targeting rule selects some groups much less often than others.</summary>
/// <param name="Groups">Per-group selection, ordinal by name.</param>
/// <param name="DisparateImpactRatio">Lowest selection rate / highest selection rate (1 = equal; NaN if nobody is selected).</param>
/// <param name="Threshold">Ratio below which the rule is flagged (the "four-fifths rule", 0.8).</param>
/// <param name="Flagged">True when the ratio is below the threshold.</param>
public sealed record FairnessReport(IReadOnlyList<GroupSelection> Groups, double DisparateImpactRatio, double Threshold, bool Flagged);

/// <summary>Disparate-impact check of a targeting selection across customer groups.</summary>
public static class FairnessCheck
{
    /// <summary>The four-fifths rule of thumb used by US employment regulators.</summary>
    public const double FourFifths = 0.8;

    /// <summary>Selection rate and mean predicted uplift per group, and the min/max selection-rate ratio.</summary>
    public static FairnessReport Evaluate(
        IReadOnlyList<string> groups, IReadOnlyList<bool> selected, IReadOnlyList<double> predictedUplift, double threshold = FourFifths)
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
        return FromGroups(rows, threshold);
    }

    /// <summary>
    /// The same report from per-group counts (e.g. a SQL GROUP BY over a million customers, where per-customer lists would not fit).
    /// Groups are sorted by name; empty groups are left out.
    /// </summary>
    public static FairnessReport FromGroups(IEnumerable<GroupSelection> groups, double threshold = FourFifths)
    {
        var rows = groups.Where(g => g.N > 0).OrderBy(g => g.Group, StringComparer.Ordinal).ToArray();
        if (rows.Length == 0)
        {
            return new FairnessReport(rows, double.NaN, threshold, false);
        }

        var max = rows.Max(r => r.SelectionRate);
        var ratio = max > 0 ? rows.Min(r => r.SelectionRate) / max : double.NaN;
        return new FairnessReport(rows, ratio, threshold, ratio < threshold);
    }

    /// <summary>Same check for "target the top <paramref name="fraction"/> by predicted uplift".</summary>
    public static FairnessReport EvaluateTopFraction(
        IReadOnlyList<string> groups, IReadOnlyList<double> predictedUplift, double fraction, double threshold = FourFifths) =>
        Evaluate(groups, UpliftEvaluation.SelectTop(predictedUplift, fraction), predictedUplift, threshold);
}
