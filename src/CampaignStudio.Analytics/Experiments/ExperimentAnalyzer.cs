using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>
/// Frequentist and Bayesian read-out of an A/B/n test, every arm against the single control arm.
/// Works on sufficient statistics, so the cost does not depend on the number of customers once the
/// <see cref="ArmData"/> are built.
/// </summary>
public static class ExperimentAnalyzer
{
    // Below this many successes or failures in an arm the normal approximation behind z/p is shaky.
    private const long MinimumEventsForNormalApproximation = 10;

    /// <summary>
    /// Analyses a conversion-type metric: two-proportion z-test (pooled), unpooled Wald CI of the difference,
    /// delta-method CI of the relative lift, Holm across arms, Beta(1, 1)-prior posteriors for the chances.
    /// </summary>
    public static ExperimentAnalysis AnalyzeRates(IReadOnlyList<ArmData> arms, AnalysisOptions? options = null)
    {
        options ??= AnalysisOptions.Default;
        var control = ValidateArms(arms, options);
        if (arms.Any(a => a.Conversions is null))
        {
            throw new ArgumentException("Every arm needs a conversion count for a rate analysis (use ArmData.ForRate).", nameof(arms));
        }

        var warnings = new List<string>();
        var posteriors = arms.Select(a => (IContinuousDistribution)PosteriorComparison.RatePosterior(a.Conversions!.Value, a.N)).ToArray();
        var controlPosterior = posteriors[IndexOfControl(arms)];
        long x0 = control.Conversions!.Value, n0 = control.N;
        double p0 = (double)x0 / n0;

        var pending = new List<PendingComparison>();
        for (var i = 0; i < arms.Count; i++)
        {
            var arm = arms[i];
            var x = arm.Conversions!.Value;
            if (Math.Min(x, arm.N - x) < MinimumEventsForNormalApproximation)
            {
                warnings.Add($"Arm '{arm.Name}' has fewer than {MinimumEventsForNormalApproximation} conversions or non-conversions; p-values and intervals are unreliable.");
            }

            if (arm.IsControl)
            {
                continue;
            }

            var test = HypothesisTests.TwoProportionZTest(x, arm.N, x0, n0, options.Alpha);
            var p1 = (double)x / arm.N;
            var relative = HypothesisTests.RelativeLift(p1, p1 * (1 - p1) / arm.N, p0, p0 * (1 - p0) / n0, options.Alpha);
            var chance = PosteriorComparison.ChanceToBeat(posteriors[i], controlPosterior);
            pending.Add(new PendingComparison(i, test, relative.Lift, relative.Ci, chance));
        }

        var results = Assemble(arms, options, pending, posteriors,
            i => (Rate(arms[i]), Rate(arms[i]), Math.Sqrt(Rate(arms[i]) * (1 - Rate(arms[i])) / arms[i].N)));
        return Finish(MetricKind.Rate, arms, options, results, null, warnings);
    }

    /// <summary>
    /// Analyses a mean-per-customer metric (revenue): Welch t-test and t interval, delta-method CI of the
    /// relative lift, Holm across arms, normal posteriors (flat prior) for the chances. When every arm has a
    /// pre-period covariate and <see cref="AnalysisOptions.UseCuped"/> is on, CUPED is applied first.
    /// A 0/1 metric with a pre-period covariate can go through here too, as 0/1 values.
    /// </summary>
    /// <remarks>
    /// CUPED: θ = Cov(y, x)/Var(x) over all customers of all arms (pooled, so every arm gets the same θ and the
    /// adjustment cannot favour one arm); each arm's mean becomes ȳ − θ(x̄_arm − x̄_all) and its variance
    /// s²_y + θ²s²_x − 2θ·s_xy. This equals running Welch's test on the per-customer values y − θ(x − x̄_all).
    /// The small extra uncertainty from estimating θ is ignored, as in Deng et al. (2013).
    /// </remarks>
    public static ExperimentAnalysis AnalyzeMeans(IReadOnlyList<ArmData> arms, AnalysisOptions? options = null)
    {
        options ??= AnalysisOptions.Default;
        ValidateArms(arms, options);
        if (arms.Any(a => a.Summary is null))
        {
            throw new ArgumentException("Every arm needs values for a mean analysis (use ArmData.ForValues or ForSummary).", nameof(arms));
        }

        var warnings = new List<string>();
        var summaries = arms.Select(a => a.Summary!.Value).ToArray();
        CupedAdjustment? cuped = null;
        if (options.UseCuped && arms.All(a => a.CovariateSummary is not null))
        {
            var pooled = CovariateSummary.Combine(arms.Select(a => a.CovariateSummary!.Value).ToArray());
            if (pooled.VarianceX > 0)
            {
                var theta = pooled.Covariance / pooled.VarianceX;
                var adjusted = arms.Select(a => Adjust(a.CovariateSummary!.Value, theta, pooled.MeanX)).ToArray();
                var raw = summaries.Sum(s => s.VarianceOfMean);
                var reduced = adjusted.Sum(s => s.VarianceOfMean);
                cuped = new CupedAdjustment(theta, raw > 0 ? 1 - reduced / raw : 0);
                summaries = adjusted;
            }
            else
            {
                warnings.Add("The pre-period covariate is constant, so CUPED was not applied.");
            }
        }

        var c = summaries[IndexOfControl(arms)];
        var pending = new List<PendingComparison>();
        for (var i = 0; i < arms.Count; i++)
        {
            var arm = arms[i];
            if (arm.N < 2)
            {
                throw new ArgumentException($"Arm '{arm.Name}' needs at least two customers for a mean analysis.", nameof(arms));
            }

            if (arm.IsControl)
            {
                continue;
            }

            var s = summaries[i];
            var test = HypothesisTests.WelchTTest(s, c, options.Alpha);
            var relative = HypothesisTests.RelativeLift(s.Mean, s.VarianceOfMean, c.Mean, c.VarianceOfMean, options.Alpha);
            // Difference of two independent normal posteriors: closed form, no integration needed.
            var chance = test.StandardError > 0 ? Normal.CDF(0, 1, test.Difference / test.StandardError) : double.NaN;
            pending.Add(new PendingComparison(i, test, relative.Lift, relative.Ci, chance));
        }

        var posteriors = summaries.Select(s => (IContinuousDistribution)PosteriorComparison.MeanPosterior(s)).ToArray();
        var results = Assemble(arms, options, pending, summaries.All(s => s.Variance > 0) ? posteriors : null,
            i => (summaries[i].Mean, arms[i].Summary!.Value.Mean, summaries[i].StandardError));
        return Finish(MetricKind.Mean, arms, options, results, cuped, warnings);
    }

    private static MeanSummary Adjust(CovariateSummary s, double theta, double overallMeanX) =>
        new(s.N,
            s.MeanY - theta * (s.MeanX - overallMeanX),
            Math.Max(0, s.VarianceY + theta * theta * s.VarianceX - 2 * theta * s.Covariance));

    private static double Rate(ArmData arm) => arm.Conversions!.Value / (double)arm.N;

    private static List<ArmResult> Assemble(
        IReadOnlyList<ArmData> arms,
        AnalysisOptions options,
        List<PendingComparison> pending,
        IReadOnlyList<IContinuousDistribution>? posteriors,
        Func<int, (double Mean, double Unadjusted, double Se)> describe)
    {
        // An undefined p-value (constant data) must not win the Holm ordering.
        var adjusted = MultipleTesting.Holm(pending.Select(p => double.IsNaN(p.Test.PValue) ? 1 : p.Test.PValue).ToArray());
        var best = posteriors is null
            ? arms.Select(_ => double.NaN).ToArray()
            : PosteriorComparison.ChanceToBeBest(posteriors);

        var results = new List<ArmResult>(arms.Count);
        for (var i = 0; i < arms.Count; i++)
        {
            var arm = arms[i];
            var (mean, unadjusted, se) = describe(i);
            ArmComparison? comparison = null;
            var index = pending.FindIndex(p => p.ArmIndex == i);
            if (index >= 0)
            {
                var p = pending[index];
                var verdict = adjusted[index] < options.Alpha && !double.IsNaN(p.Test.PValue)
                    ? p.Test.Difference > 0 ? ArmVerdict.Winner : ArmVerdict.Loser
                    : ArmVerdict.Inconclusive;
                comparison = new ArmComparison(
                    p.Test.Difference, p.Test.DifferenceCi, p.RelativeLift, p.RelativeCi,
                    p.Test.Statistic, p.Test.DegreesOfFreedom, p.Test.PValue, adjusted[index], p.ChanceToBeat, verdict);
            }

            results.Add(new ArmResult(arm.Name, arm.IsControl, arm.N, mean, unadjusted, se, best[i], comparison));
        }

        return results;
    }

    private static ExperimentAnalysis Finish(
        MetricKind metric, IReadOnlyList<ArmData> arms, AnalysisOptions options, List<ArmResult> results, CupedAdjustment? cuped, List<string> warnings)
    {
        var srm = CheckSampleRatio(arms, options.SrmThreshold);
        if (srm.Warning)
        {
            // Shown first: when the split is off, every number below it is suspect.
            warnings.Insert(0,
                $"Sample ratio mismatch: the split between arms differs from the plan (chi-square p = {srm.PValue:G3}). " +
                "Assignment or tracking is probably broken; do not trust these results until it is explained.");
        }

        return new ExperimentAnalysis(metric, options.Alpha, results, srm, cuped, warnings);
    }

    /// <summary>
    /// Sample-ratio-mismatch check: chi-square goodness of fit of the arm sizes against the planned weights
    /// (scipy <c>chisquare</c>); flagged when p is below <paramref name="threshold"/> (0.001 by default,
    /// strict because the test runs on every analysis and a false alarm erodes trust in the warning).
    /// </summary>
    public static SampleRatioCheck CheckSampleRatio(IReadOnlyList<ArmData> arms, double threshold = 0.001)
    {
        var observed = arms.Select(a => a.N).ToArray();
        var weights = arms.Select(a => a.ExpectedWeight).ToArray();
        var test = HypothesisTests.ChiSquareGoodnessOfFit(observed, weights);
        double total = observed.Sum(), weightSum = weights.Sum();
        return new SampleRatioCheck(
            test.ChiSquare, test.DegreesOfFreedom, test.PValue, test.PValue < threshold,
            weights.Select(w => w / weightSum).ToArray(),
            observed.Select(n => n / total).ToArray());
    }

    private static ArmData ValidateArms(IReadOnlyList<ArmData> arms, AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(arms);
        if (arms.Count < 2)
        {
            throw new ArgumentException("An experiment needs at least two arms.", nameof(arms));
        }

        if (arms.Count(a => a.IsControl) != 1)
        {
            throw new ArgumentException("Exactly one arm must be the control.", nameof(arms));
        }

        if (!(options.Alpha > 0 && options.Alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Alpha must be between 0 and 1.");
        }

        if (arms.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != arms.Count)
        {
            throw new ArgumentException("Arm names must be unique.", nameof(arms));
        }

        return arms.Single(a => a.IsControl);
    }

    private static int IndexOfControl(IReadOnlyList<ArmData> arms)
    {
        for (var i = 0; i < arms.Count; i++)
        {
            if (arms[i].IsControl)
            {
                return i;
            }
        }

        throw new ArgumentException("Exactly one arm must be the control.", nameof(arms));
    }

    private sealed record PendingComparison(
        int ArmIndex, TwoSampleTest Test, double RelativeLift, ConfidenceInterval RelativeCi, double ChanceToBeat);
}
