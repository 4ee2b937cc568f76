using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Uplift;

/// <summary>One point of a Qini or uplift curve.</summary>
/// <param name="Targeted">Customers targeted, best predicted uplift first.</param>
/// <param name="Fraction">Targeted / all customers.</param>
/// <param name="Value">Incremental conversions (or revenue) at this depth.</param>
/// <param name="Random">The random-targeting line at this depth.</param>
public readonly record struct CurvePoint(int Targeted, double Fraction, double Value, double Random);

/// <summary>Qini and uplift curves with their summary areas.</summary>
/// <param name="Qini">Qini curve: Y_T(t) − Y_C(t)·N_T(t)/N_C(t), downsampled for charts.</param>
/// <param name="Uplift">Uplift curve: (Y_T(t)/N_T(t) − Y_C(t)/N_C(t))·t, downsampled for charts.</param>
/// <param name="Auuc">Area under the uplift curve, x as the targeted fraction (0–1), y in outcome units.</param>
/// <param name="AuucRandom">Area under the random line of the uplift curve (half its end value).</param>
/// <param name="QiniArea">Area between the Qini curve and its random line.</param>
/// <param name="QiniCoefficient">
/// <paramref name="QiniArea"/> divided by the same area of the perfect ranking (treated converters first,
/// control converters last), as scikit-uplift's <c>qini_auc_score</c>: 1 is perfect, about 0 is random.
/// </param>
public sealed record UpliftCurves(
    IReadOnlyList<CurvePoint> Qini,
    IReadOnlyList<CurvePoint> Uplift,
    double Auuc,
    double AuucRandom,
    double QiniArea,
    double QiniCoefficient);

/// <summary>Observed effect in a group of customers, treated minus control.</summary>
/// <param name="Group">Group label (decile number, segment name, …).</param>
/// <param name="N">Customers in the group.</param>
/// <param name="TreatedN">Treated customers.</param>
/// <param name="ControlN">Control customers.</param>
/// <param name="TreatedMean">Outcome mean (conversion rate) of treated customers.</param>
/// <param name="ControlMean">Outcome mean of control customers.</param>
/// <param name="Effect">TreatedMean − ControlMean; NaN when an arm is empty.</param>
/// <param name="EffectCi">Normal (Wald) interval of the effect; for 0/1 outcomes the two-proportion Wald interval.</param>
/// <param name="MeanPredictedUplift">Mean model score in the group; NaN when no scores were given.</param>
public sealed record GroupEffect(
    string Group,
    int N,
    int TreatedN,
    int ControlN,
    double TreatedMean,
    double ControlMean,
    double Effect,
    ConfidenceInterval EffectCi,
    double MeanPredictedUplift);

/// <summary>What targeting a share of customers would bring, estimated from the experiment.</summary>
/// <param name="Fraction">Share of customers targeted.</param>
/// <param name="Targeted">Customers targeted.</param>
/// <param name="UpliftPerCustomer">Observed treated − control outcome among them.</param>
/// <param name="UpliftCi">Interval of <paramref name="UpliftPerCustomer"/>.</param>
/// <param name="IncrementalConversions">UpliftPerCustomer × Targeted: conversions the e-mail adds.</param>
/// <param name="IncrementalCi">Interval of <paramref name="IncrementalConversions"/>.</param>
public sealed record TargetingEstimate(
    double Fraction,
    int Targeted,
    double UpliftPerCustomer,
    ConfidenceInterval UpliftCi,
    double IncrementalConversions,
    ConfidenceInterval IncrementalCi);

/// <summary>Targeting the same number of customers by different rules.</summary>
/// <param name="ByUplift">Top fraction by predicted uplift.</param>
/// <param name="ByPropensity">Top fraction by purchase propensity (likely buyers).</param>
/// <param name="Random">Same number of customers picked at random: the average effect × Targeted.</param>
/// <param name="Everyone">All customers.</param>
public sealed record TargetingComparison(
    TargetingEstimate ByUplift,
    TargetingEstimate ByPropensity,
    TargetingEstimate Random,
    TargetingEstimate Everyone);

/// <summary>
/// Evaluation of uplift scores against the experiment's observed outcomes. Use out-of-fold scores
/// (<see cref="UpliftTrainer.CrossFit"/>) or the numbers flatter the model.
/// </summary>
/// <remarks>
/// Curves follow scikit-uplift's definitions: customers are sorted by score, best first; ties are kept
/// together (a curve point only after the last customer of a tied score), and a term with an empty arm
/// counts as 0. Areas use the trapezoid rule on the full-resolution curve, never on the downsampled points.
/// </remarks>
public static class UpliftEvaluation
{
    /// <summary>Qini and uplift curves (at most <paramref name="maxPoints"/> points each), AUUC and Qini coefficient.</summary>
    public static UpliftCurves Curves(IReadOnlyList<double> scores, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, int maxPoints = 200)
    {
        Check(scores, treated, outcome);
        if (maxPoints < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPoints), "A curve needs at least two points.");
        }

        var curve = FullCurve(scores, treated, outcome);
        var perfectScores = Enumerable.Range(0, outcome.Count).Select(i => outcome[i] * (treated[i] ? 1 : -1)).ToArray();
        var perfect = FullCurve(perfectScores, treated, outcome);

        int n = outcome.Count;
        var qiniEnd = curve[^1].Qini;
        var upliftEnd = curve[^1].Uplift;
        var qiniArea = Area(curve, p => p.Qini) - qiniEnd / 2;
        var perfectArea = Area(perfect, p => p.Qini) - perfect[^1].Qini / 2;

        var shown = Downsample(curve, maxPoints);
        return new UpliftCurves(
            shown.Select(p => new CurvePoint(p.Targeted, (double)p.Targeted / n, p.Qini, qiniEnd * p.Targeted / n)).ToArray(),
            shown.Select(p => new CurvePoint(p.Targeted, (double)p.Targeted / n, p.Uplift, upliftEnd * p.Targeted / n)).ToArray(),
            Area(curve, p => p.Uplift),
            upliftEnd / 2,
            qiniArea,
            perfectArea > 0 ? qiniArea / perfectArea : double.NaN);
    }

    /// <summary>
    /// Observed uplift per predicted-uplift group: customers sorted by score, best first, cut into
    /// <paramref name="groups"/> equal-size groups by rank ("1" is the top decile).
    /// </summary>
    public static IReadOnlyList<GroupEffect> Deciles(
        IReadOnlyList<double> scores, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, int groups = 10, double alpha = 0.05)
    {
        Check(scores, treated, outcome);
        if (groups < 1 || groups > outcome.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), "Need between 1 and n groups.");
        }

        var order = Ranking(scores);
        var n = order.Length;
        var result = new List<GroupEffect>(groups);
        for (var d = 0; d < groups; d++)
        {
            var rows = order[(int)((long)d * n / groups)..(int)((long)(d + 1) * n / groups)];
            result.Add(Effect((d + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), rows, treated, outcome, scores, alpha));
        }

        return result;
    }

    /// <summary>Observed effect with CI per customer group (segment, covariate band), groups in ordinal order.</summary>
    public static IReadOnlyList<GroupEffect> EffectByGroup(
        IReadOnlyList<string> groups, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome,
        IReadOnlyList<double>? scores = null, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(outcome);
        Check(scores ?? new double[outcome.Count], treated, outcome);
        if (groups.Count != outcome.Count)
        {
            throw new ArgumentException("Need one group label per customer.", nameof(groups));
        }

        return Enumerable.Range(0, groups.Count)
            .GroupBy(i => groups[i], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Effect(g.Key, g.ToArray(), treated, outcome, scores, alpha))
            .ToArray();
    }

    /// <summary>Effect of targeting the top <paramref name="fraction"/> of customers by <paramref name="scores"/>.</summary>
    public static TargetingEstimate Targeting(
        IReadOnlyList<double> scores, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, double fraction, double alpha = 0.05)
    {
        Check(scores, treated, outcome);
        var rows = Ranking(scores)[..TargetCount(outcome.Count, fraction)];
        return Estimate(fraction, rows, treated, outcome, alpha);
    }

    /// <summary>
    /// Incremental conversions from targeting the top <paramref name="fraction"/> by predicted uplift, by purchase
    /// propensity, at random (average effect × the same count) and from targeting everyone.
    /// </summary>
    public static TargetingComparison CompareTargeting(
        IReadOnlyList<double> upliftScores, IReadOnlyList<double> propensityScores,
        IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, double fraction, double alpha = 0.05)
    {
        var everyone = Estimate(1, Enumerable.Range(0, outcome.Count).ToArray(), treated, outcome, alpha);
        var byUplift = Targeting(upliftScores, treated, outcome, fraction, alpha);
        var k = byUplift.Targeted;
        var random = everyone with
        {
            Fraction = fraction,
            Targeted = k,
            IncrementalConversions = everyone.UpliftPerCustomer * k,
            IncrementalCi = new ConfidenceInterval(everyone.UpliftCi.Lower * k, everyone.UpliftCi.Upper * k),
        };
        return new TargetingComparison(byUplift, Targeting(propensityScores, treated, outcome, fraction, alpha), random, everyone);
    }

    /// <summary>Marks the top <paramref name="fraction"/> of customers by score (ties broken by position).</summary>
    public static bool[] SelectTop(IReadOnlyList<double> scores, double fraction)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var selected = new bool[scores.Count];
        foreach (var i in Ranking(scores)[..TargetCount(scores.Count, fraction)])
        {
            selected[i] = true;
        }

        return selected;
    }

    private static TargetingEstimate Estimate(double fraction, int[] rows, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, double alpha)
    {
        var e = Effect("", rows, treated, outcome, null, alpha);
        var k = rows.Length;
        return new TargetingEstimate(fraction, k, e.Effect, e.EffectCi, e.Effect * k,
            new ConfidenceInterval(e.EffectCi.Lower * k, e.EffectCi.Upper * k));
    }

    private static GroupEffect Effect(
        string label, int[] rows, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome, IReadOnlyList<double>? scores, double alpha)
    {
        double sumT = 0, sumC = 0, sqT = 0, sqC = 0, sumScore = 0;
        int nT = 0, nC = 0;
        foreach (var i in rows)
        {
            var y = outcome[i];
            if (treated[i])
            {
                nT++;
                sumT += y;
                sqT += y * y;
            }
            else
            {
                nC++;
                sumC += y;
                sqC += y * y;
            }

            sumScore += scores?[i] ?? 0;
        }

        var meanT = nT > 0 ? sumT / nT : double.NaN;
        var meanC = nC > 0 ? sumC / nC : double.NaN;
        // Population variances (n denominator): for 0/1 outcomes this is p(1 − p), the two-proportion Wald interval.
        var varT = nT > 0 ? Math.Max(0, sqT / nT - meanT * meanT) : double.NaN;
        var varC = nC > 0 ? Math.Max(0, sqC / nC - meanC * meanC) : double.NaN;
        var effect = meanT - meanC;
        var se = Math.Sqrt(varT / nT + varC / nC);
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2);
        return new GroupEffect(label, rows.Length, nT, nC, meanT, meanC, effect,
            new ConfidenceInterval(effect - z * se, effect + z * se),
            scores is null || rows.Length == 0 ? double.NaN : sumScore / rows.Length);
    }

    private readonly record struct FullPoint(int Targeted, double Qini, double Uplift);

    private static FullPoint[] FullCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome)
    {
        var order = Ranking(scores);
        var points = new List<FullPoint>(order.Length + 1) { new(0, 0, 0) };
        double yT = 0, yC = 0;
        int nT = 0, nC = 0;
        for (var k = 0; k < order.Length; k++)
        {
            var i = order[k];
            if (treated[i])
            {
                nT++;
                yT += outcome[i];
            }
            else
            {
                nC++;
                yC += outcome[i];
            }

            var lastOfTie = k == order.Length - 1 || scores[order[k + 1]] != scores[i];
            if (lastOfTie)
            {
                var t = k + 1;
                var qini = yT - (nC > 0 ? yC * nT / nC : 0);
                var uplift = ((nT > 0 ? yT / nT : 0) - (nC > 0 ? yC / nC : 0)) * t;
                points.Add(new FullPoint(t, qini, uplift));
            }
        }

        return [.. points];
    }

    private static double Area(FullPoint[] curve, Func<FullPoint, double> value)
    {
        double n = curve[^1].Targeted, area = 0;
        for (var k = 1; k < curve.Length; k++)
        {
            area += (value(curve[k - 1]) + value(curve[k])) / 2 * (curve[k].Targeted - curve[k - 1].Targeted) / n;
        }

        return area;
    }

    private static List<FullPoint> Downsample(FullPoint[] curve, int maxPoints)
    {
        if (curve.Length <= maxPoints)
        {
            return [.. curve];
        }

        // Evenly spaced by index, always keeping the origin and the end point.
        return Enumerable.Range(0, maxPoints)
            .Select(j => (int)Math.Round((double)j * (curve.Length - 1) / (maxPoints - 1)))
            .Distinct()
            .Select(k => curve[k])
            .ToList();
    }

    /// <summary>Row indices by descending score; stable, so ties keep their input order.</summary>
    private static int[] Ranking(IReadOnlyList<double> scores) =>
        Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();

    private static int TargetCount(int n, double fraction)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), "The targeted share must be in (0, 1].");
        }

        return Math.Max(1, (int)Math.Round(fraction * n));
    }

    private static void Check(IReadOnlyList<double> scores, IReadOnlyList<bool> treated, IReadOnlyList<double> outcome)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(outcome);
        if (scores.Count != treated.Count || scores.Count != outcome.Count || scores.Count == 0)
        {
            throw new ArgumentException("Need one score, treatment flag and outcome per customer.");
        }

        if (scores.Any(double.IsNaN))
        {
            throw new ArgumentException("Scores must not be NaN.", nameof(scores));
        }
    }
}
