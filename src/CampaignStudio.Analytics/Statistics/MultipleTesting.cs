namespace CampaignStudio.Analytics.Statistics;

/// <summary>Corrections for testing several arms against the same control.</summary>
public static class MultipleTesting
{
    /// <summary>
    /// Holm step-down adjusted p-values, statsmodels <c>multipletests(p, method="holm")[1]</c>:
    /// sort ascending, multiply the i-th smallest (0-based) by m − i, carry the running maximum, cap at 1.
    /// Returned in the input order. Controls the family-wise error rate like Bonferroni but rejects more.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var runningMax = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            runningMax = Math.Max(runningMax, Math.Min(1, (m - rank) * pValues[i]));
            adjusted[i] = runningMax;
        }

        return adjusted;
    }
}
