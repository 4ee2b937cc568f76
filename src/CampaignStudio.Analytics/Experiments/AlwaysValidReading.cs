using System.Globalization;
using CampaignStudio.Analytics.Sequential;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>Which intervals a read-out shows first.</summary>
public enum Reading
{
    /// <summary>Always-valid intervals (confidence sequences): valid however often the experiment is looked at.</summary>
    Sequential,

    /// <summary>Classical intervals: valid for one planned look at the end.</summary>
    Fixed,
}

/// <summary>One arm against control, read with a confidence sequence, beside the classical interval of the same data.</summary>
/// <param name="Name">The arm.</param>
/// <param name="AbsoluteLift">Arm minus control.</param>
/// <param name="AlwaysValid">The confidence sequence at this look (absolute lift).</param>
/// <param name="FixedHorizon">The classical 95 % interval of the same lift (the one the fixed reading shows).</param>
/// <param name="RelativeLift">Arm / control − 1.</param>
/// <param name="RelativeAlwaysValid">The relative lift's interval widened by the same factor as the absolute one.</param>
/// <param name="Verdict">Winner only when the sequence excludes zero.</param>
public sealed record SequentialArm(
    string Name, double AbsoluteLift, ConfidenceInterval AlwaysValid, ConfidenceInterval FixedHorizon, double RelativeLift, ConfidenceInterval RelativeAlwaysValid, SequentialVerdict Verdict);

/// <summary>The always-valid reading of an experiment: per arm the sequence, and the sequential sample-ratio check.</summary>
/// <param name="PlannedSampleSize">Customers at which the sequences are tightest.</param>
/// <param name="PlannedFrom">Where that number comes from ("the power plan", "the customers assigned").</param>
/// <param name="Alpha">Chance of ever missing the true lift, per arm (the experiment's alpha split over the arms compared with control).</param>
/// <param name="Arms">Every non-control arm in analysis order.</param>
/// <param name="SampleRatio">The sequential sample-ratio check over every day's counts so far; null when the planned split changed during the test (adaptive allocation).</param>
public sealed record SequentialAnalysis(long PlannedSampleSize, string PlannedFrom, double Alpha, IReadOnlyList<SequentialArm> Arms, SequentialSampleRatioCheck? SampleRatio)
{
    /// <summary>The experiment's verdict from the sequences: "Winner", "Control wins" or "Keep running".</summary>
    public string Verdict => Arms.Any(a => a.Verdict == SequentialVerdict.TreatmentBetter) ? "Winner"
        : Arms.Count > 0 && Arms.All(a => a.Verdict == SequentialVerdict.ControlBetter) ? "Control wins"
        : "Keep running";
}

/// <summary>
/// Always-valid reading of running experiments (decision 042): managers open the dashboard every morning, and a
/// fixed-horizon interval read daily declares false winners far more often than its 5 %. Confidence sequences stay valid
/// at every look, so they are the default while an experiment runs; a finished one is read once, with the classical interval.
/// </summary>
public static class AlwaysValidReading
{
    /// <summary>The label the page, the list and the API put beside always-valid intervals.</summary>
    public const string SequentialNote = "Always valid: you may look every day. These intervals hold at every look, so a winner is called only when the interval excludes zero however often you checked.";

    /// <summary>The label beside fixed-horizon intervals.</summary>
    public const string FixedNote = "Fixed horizon: valid for one look when the experiment is finished; looking every day and stopping at the first significant result finds false winners.";

    /// <summary>Running experiments are read with sequences; drafts, finished and imported ones with the classical interval.</summary>
    public static Reading DefaultFor(ExperimentStatus status) => status == ExperimentStatus.Running ? Reading.Sequential : Reading.Fixed;

    /// <summary>The label for <paramref name="reading"/>.</summary>
    public static string Note(Reading reading) => reading == Reading.Sequential ? SequentialNote : FixedNote;

    /// <summary>Parses the query value ("sequential" or "fixed", any case); null for anything else.</summary>
    public static Reading? Parse(string? value) => Enum.TryParse<Reading>(value, ignoreCase: true, out var r) && Enum.IsDefined(r) ? r : null;

    /// <summary>
    /// The sequences of every arm against control from the analysis's own per-arm means and standard errors, so CUPED
    /// (when applied) tightens them as it tightens the classical ones.
    /// </summary>
    /// <param name="analysis">The analysis of the chosen metric.</param>
    /// <param name="plannedSampleSize">Customers at which the sequences should be tightest.</param>
    /// <param name="plannedFrom">Where the planned size comes from, in words.</param>
    /// <param name="countsPerLook">Customers per arm (analysis order) at each day so far, cumulative; null to skip the sample-ratio check.</param>
    /// <param name="plannedShares">The planned split in analysis order.</param>
    public static SequentialAnalysis Read(ExperimentAnalysis analysis, long plannedSampleSize, string plannedFrom,
        IReadOnlyList<IReadOnlyList<long>>? countsPerLook, IReadOnlyList<double> plannedShares)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var control = analysis.Arms.First(a => a.IsControl);

        // Bonferroni over the comparisons with control: the verdict is "some arm wins", so its error must hold for all arms at once.
        var comparisons = Math.Max(1, analysis.Arms.Count - 1);
        var alpha = analysis.Alpha / comparisons;
        var planned = Math.Max(plannedSampleSize, 2);
        var arms = new List<SequentialArm>();
        foreach (var arm in analysis.Arms.Where(a => !a.IsControl && a.VsControl is not null))
        {
            var vs = arm.VsControl!;
            if (arm.N < 2 || control.N < 2)
            {
                continue;
            }

            var reading = ConfidenceSequence.DifferenceInMeans(Summary(arm), Summary(control), planned, alpha);
            var fixedHalf = (vs.AbsoluteLiftCi.Upper - vs.AbsoluteLiftCi.Lower) / 2;
            var sequenceHalf = (reading.AlwaysValid.Upper - reading.AlwaysValid.Lower) / 2;

            // The relative interval is a delta-method one around the relative lift; it widens by the same factor as the absolute one.
            var widen = fixedHalf > 0 ? sequenceHalf / fixedHalf : double.NaN;
            var relativeHalf = (vs.RelativeLiftCi.Upper - vs.RelativeLiftCi.Lower) / 2 * widen;
            arms.Add(new SequentialArm(arm.Name, reading.Difference, reading.AlwaysValid, vs.AbsoluteLiftCi, vs.RelativeLift,
                new ConfidenceInterval(vs.RelativeLift - relativeHalf, vs.RelativeLift + relativeHalf), reading.Verdict));
        }

        SequentialSampleRatioCheck? srm = null;
        if (countsPerLook is { Count: > 0 } && plannedShares.Count >= 2 && plannedShares.All(s => s > 0))
        {
            srm = SequentialSampleRatio.Check(countsPerLook, plannedShares);
        }

        return new SequentialAnalysis(planned, plannedFrom, alpha, arms, srm);
    }

    /// <summary>The per-customer summary behind an arm's mean and standard error: s² = SE²·n.</summary>
    private static MeanSummary Summary(ArmResult arm) => new(arm.N, arm.Mean, arm.StandardError * arm.StandardError * arm.N);

    /// <summary>"tightest at 12,000 customers (the power plan)".</summary>
    /// <param name="s">The reading to describe.</param>
    public static string Describe(SequentialAnalysis s) =>
        $"tightest at {s.PlannedSampleSize.ToString("N0", CultureInfo.InvariantCulture)} customers ({s.PlannedFrom}), {(1 - s.Alpha).ToString("P1", CultureInfo.InvariantCulture)} per arm";
}
