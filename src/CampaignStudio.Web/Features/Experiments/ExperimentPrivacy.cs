using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Domain.Privacy;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// Applies the privacy threshold k to an analysis before it leaves the studio as JSON, the way the experiment page shows
/// it: a hidden arm (fewer than k customers, or a rate made of fewer than k successes or non-successes) keeps its name
/// but loses its numbers (NaN, customers 0 when the arm itself is small), a hidden control takes every lift with it, and
/// with a small arm the observed split and the experiment's total (rounded to k) no longer give its size away.
/// </summary>
public static class ExperimentPrivacy
{
    public static AnalysisResponse Apply(ExperimentDetail experiment, ExperimentReadout readout, int k)
    {
        var hidden = readout.HiddenArms(k);
        var small = readout.Counts.Where(c => SmallGroups.IsSuppressed(c.N, k)).Select(c => c.Name).ToHashSet();
        small.UnionWith(experiment.Arms.Where(a => SmallGroups.IsSuppressed(a.Customers, k)).Select(a => a.Name));
        var detail = small.Count == 0 ? experiment : experiment with
        {
            Arms = [.. experiment.Arms.Select(a => small.Contains(a.Name) ? a with { Customers = 0 } : a)],
            Customers = (int)(Math.Round((double)experiment.Customers / k) * k),
        };

        var analysis = readout.Analysis;
        if (analysis is not null && (hidden.Count > 0 || small.Count > 0))
        {
            var controlHidden = analysis.Arms.Any(a => a.IsControl && hidden.Contains(a.Name));
            analysis = analysis with
            {
                Arms = [.. analysis.Arms.Select(a => hidden.Contains(a.Name)
                    ? a with
                    {
                        N = small.Contains(a.Name) ? 0 : a.N, Mean = double.NaN, UnadjustedMean = double.NaN, StandardError = double.NaN,
                        ChanceToBeBest = double.NaN, VsControl = null,
                    }
                    : controlHidden ? a with { VsControl = null } : a)],
                SampleRatio = small.Count == 0 ? analysis.SampleRatio
                    : analysis.SampleRatio with { ObservedShares = [.. analysis.SampleRatio.ObservedShares.Select(_ => double.NaN)], ChiSquare = double.NaN },
            };
        }

        // The always-valid numbers obey the same rule: a hidden arm has no lift, a hidden control takes every lift with it.
        var sequential = readout.Sequential;
        if (sequential is not null && (hidden.Count > 0 || small.Count > 0))
        {
            var controlHidden = readout.Analysis?.Arms.Any(a => a.IsControl && hidden.Contains(a.Name)) ?? false;
            var none = new ConfidenceInterval(double.NaN, double.NaN);
            sequential = sequential with
            {
                Arms = [.. sequential.Arms.Select(a => controlHidden || hidden.Contains(a.Name)
                    ? a with { AbsoluteLift = double.NaN, RelativeLift = double.NaN, AlwaysValid = none, FixedHorizon = none, RelativeAlwaysValid = none }
                    : a)],
                SampleRatio = small.Count == 0 || sequential.SampleRatio is null ? sequential.SampleRatio : sequential.SampleRatio with { PValue = double.NaN },
            };
        }

        var adaptive = readout.Adaptive;
        if (adaptive is not null && (hidden.Count > 0 || small.Count > 0))
        {
            var controlHidden = adaptive.Arms.Any(a => a.IsControl && hidden.Contains(a.Name));
            var none = new ConfidenceInterval(double.NaN, double.NaN);
            adaptive = adaptive with
            {
                Arms = [.. adaptive.Arms.Select(a => hidden.Contains(a.Name)
                    ? a with { N = small.Contains(a.Name) ? 0 : a.N, Mean = double.NaN, MeanCi = none, PlainMean = double.NaN, Lift = a.IsControl ? null : double.NaN, LiftCi = a.IsControl ? null : none }
                    : controlHidden && !a.IsControl ? a with { Lift = double.NaN, LiftCi = none } : a)],
            };
        }

        return new AnalysisResponse(detail, readout.Metric, readout.Verdict, readout.CupedAvailable, readout.Problem, analysis)
        {
            Adaptive = adaptive,
            Reading = readout.Reading,
            Sequential = sequential,
            SampleRatioMismatch = readout.SampleRatioMismatch,
            MinGroupSize = k,
            HiddenArms = [.. hidden.Order(StringComparer.Ordinal)],
            CupedApplied = readout.CupedApplied,
            CupedVarianceReduction = readout.CupedVarianceReduction,
            WeightingNote = readout.WeightingNote,
        };
    }
}
