using System.Globalization;
using CampaignStudio.Analytics.Sequential;

namespace CampaignStudio.Analytics.Experiments;

/// <summary>What a winner rollout sends to the rest, and why in words.</summary>
/// <param name="Arm">The arm whose e-mail the rest receives.</param>
/// <param name="ByStatistics">True when the arm won; false when the fallback goes out because no arm won.</param>
/// <param name="Reason">The decision as the campaign and experiment pages state it.</param>
public sealed record WinnerDecision(string Arm, bool ByStatistics, string Reason);

/// <summary>
/// Picks the winner of a test that decides a rollout (decision 048): the arm with the highest Bayesian chance to be best, and
/// only when its always-valid interval of the lift over the control lies above zero at the stated confidence (Bonferroni over
/// the arms, as the experiment page reads it while running) — otherwise the fallback (the control, or the marketer's choice).
/// The always-valid reading is used rather than the fixed-horizon one because the test may have been looked at before.
/// </summary>
public static class WinnerChoice
{
    /// <summary>Decides from an analysis made with <c>Alpha = 1 − confidence</c> over the arms (control included, no holdout).</summary>
    /// <param name="analysis">The test's analysis on its primary metric.</param>
    /// <param name="fallbackArm">The arm the rest receives when no arm wins.</param>
    public static WinnerDecision Choose(ExperimentAnalysis analysis, string fallbackArm)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var confidence = Percent(1 - analysis.Alpha);
        var best = analysis.Arms.MaxBy(a => a.ChanceToBeBest)!;
        var chance = Percent(best.ChanceToBeBest);
        if (best.IsControl)
        {
            return new WinnerDecision(fallbackArm, false,
                $"No arm beat the control: the control has the highest chance to be best ({chance}), so the rest receive “{fallbackArm}”.");
        }

        var planned = analysis.Arms.Sum(a => a.N);
        var reading = AlwaysValidReading.Read(analysis, planned, "the test's customers", null, []);
        var arm = reading.Arms.FirstOrDefault(a => a.Name == best.Name);
        if (arm is null)
        {
            return new WinnerDecision(fallbackArm, false,
                $"“{best.Name}” has the highest chance to be best ({chance}), but the test has too few customers to compare it with the control, so the rest receive “{fallbackArm}”.");
        }

        var interval = $"{Lift(arm.AlwaysValid.Lower, analysis.Metric)} to {Lift(arm.AlwaysValid.Upper, analysis.Metric)}";
        return arm.Verdict == SequentialVerdict.TreatmentBetter
            ? new WinnerDecision(best.Name, true,
                $"“{best.Name}” won: it has the highest chance to be best ({chance}) and beats the control with {confidence} confidence (lift {interval}, always valid), so the rest receive it.")
            : new WinnerDecision(fallbackArm, false,
                $"No clear winner: “{best.Name}” has the highest chance to be best ({chance}) but does not beat the control with {confidence} confidence (lift {interval}, always valid, includes zero), so the rest receive “{fallbackArm}”.");
    }

    private static string Percent(double p) => p.ToString("P1", CultureInfo.InvariantCulture);

    private static string Lift(double value, MetricKind metric) => metric == MetricKind.Rate
        ? (value * 100).ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) + " points"
        : value.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) + " per customer";
}
