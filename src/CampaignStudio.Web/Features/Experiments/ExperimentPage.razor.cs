using System.Globalization;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Experiments;

public partial class ExperimentPage
{
    private ExperimentDetail? _detail;
    private ExperimentReadout? _readout;
    private PrimaryMetric _metric;
    // Null: the studio's default (CupedRule), until the reader switches CUPED on or off.
    private bool? _cuped;
    // Null: always valid while running, fixed once finished, until the reader switches.
    private Reading? _reading;
    private bool _notFound;
    private bool _loading;
    private bool _busy;
    private string? _message;
    private Severity _messageSeverity = Severity.Info;
    private int _k = SmallGroups.DefaultMinimum;
    private IReadOnlySet<string> _hidden = new HashSet<string>();

    [Parameter]
    public int Id { get; set; }

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private ExperimentAnalysisService Analysis { get; set; } = default!;

    [Inject]
    private ExperimentOutcomeService Outcomes { get; set; } = default!;

    [Inject]
    private Privacy.PrivacySettingsService Privacy { get; set; } = default!;

    [Inject]
    private AdaptiveAllocationService Rounds { get; set; } = default!;

    private AllocationLog? _rounds;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    private string MeanLabel => _metric == PrimaryMetric.RevenuePerCustomer ? "Revenue per customer" : "Rate";

    protected override async Task OnParametersSetAsync()
    {
        _k = await Privacy.MinGroupSizeAsync();
        _detail = await Experiments.GetAsync(Id);
        _notFound = _detail is null;
        if (_detail is not null)
        {
            _metric = _detail.Metric;
            await AnalyzeAsync();
        }
    }

    private async Task AnalyzeAsync()
    {
        _loading = true;
        _rounds = _detail?.Adaptive is null ? null : await Rounds.LogAsync(Id);
        _readout = await Analysis.AnalyzeAsync(Id, _metric, _cuped, _reading);
        _hidden = _readout.HiddenArms(_k);
        _loading = false;
    }

    private async Task MetricChangedAsync(PrimaryMetric metric)
    {
        // Whether CUPED is worth it depends on the metric: back to the default rule.
        _metric = metric;
        _cuped = null;
        await AnalyzeAsync();
    }

    private async Task CupedChangedAsync(bool on)
    {
        _cuped = on;
        await AnalyzeAsync();
    }

    private async Task ReadingChangedAsync(bool sequential)
    {
        _reading = sequential ? Reading.Sequential : Reading.Fixed;
        await AnalyzeAsync();
    }

    /// <summary>The same privacy rule as the table: no always-valid lift for a hidden arm or against a hidden control.</summary>
    private bool ShowsSequentialLift(ExperimentAnalysis analysis, string arm) => analysis.Arms.FirstOrDefault(a => a.Name == arm) is { } result && ShowsLift(analysis, result);

    private static string SequentialVerdictLabel(Analytics.Sequential.SequentialVerdict verdict) => verdict switch
    {
        Analytics.Sequential.SequentialVerdict.TreatmentBetter => "Better than control",
        Analytics.Sequential.SequentialVerdict.ControlBetter => "Worse than control",
        _ => "Keep running",
    };

    /// <summary>Start only after the marketer has seen what it does: customers per arm, that it is for good, and the power.</summary>
    private async Task StartAsync()
    {
        StartPreview preview;
        _busy = true;
        try
        {
            preview = await Experiments.StartPreviewAsync(Id);
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _message = ex.Message;
            _messageSeverity = Severity.Error;
            return;
        }
        finally
        {
            _busy = false;
        }

        var dialog = await Dialogs.ShowAsync<StartExperimentDialog>($"Start “{_detail!.Name}”?",
            new DialogParameters<StartExperimentDialog> { { d => d.Preview, preview } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is not { Canceled: false })
        {
            return;
        }

        await RunAsync(async () => $"Started: {Plural.Of(await Experiments.StartAsync(Id, confirmed: true, expectedCustomers: preview.Customers), "customer")} assigned to the arms.");
    }

    private Task FinishAsync() => RunAsync(async () =>
    {
        await Experiments.FinishAsync(Id);
        return "Finished. The analysis is final and uplift models can now be trained.";
    });

    private Task NextRoundAsync() => RunAsync(async () => (await Rounds.NextRoundAsync(Id)).Message);

    private static string RoundsNote(AllocationLog log) => log.NextRoundFrom is { } next
        ? $"The next round may go from {next.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; its weights are worked out from the outcomes measured by then."
        : "Every round is sent.";

    private Task MeasureAsync() => RunAsync(async () => $"Outcomes measured for {Plural.Of(await Outcomes.FillAsync(Id), "customer")} from sends, clicks and purchases.");

    private async Task RunAsync(Func<Task<string>> action)
    {
        _busy = true;
        try
        {
            _message = await action();
            _messageSeverity = Severity.Success;
            _detail = await Experiments.GetAsync(Id);
            await AnalyzeAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _message = ex.Message;
            _messageSeverity = Severity.Error;
        }
        finally
        {
            _busy = false;
        }
    }

    private string AdjustmentWord => _readout?.CupedApplied == true ? "CUPED" : "unadjusted";

    /// <summary>Which lifts these are and why, in one sentence: the same rule decides the list's and the API's default.</summary>
    private string AdjustmentNote()
    {
        var minimum = CupedRule.MinimumVarianceReduction.ToString("P0", CultureInfo.InvariantCulture);
        return _readout switch
        {
            { CupedApplied: true, Analysis.Cuped: { } c } =>
                $"Lifts are CUPED-adjusted: the pre-period value removes {c.VarianceReduction.ToString("P1", CultureInfo.InvariantCulture)} of the variance" +
                (_cuped is null ? $" (the default from {minimum})." : "."),
            { CupedAvailable: false } => "Lifts are unadjusted: CUPED needs a pre-period value for every customer.",
            { CupedVarianceReduction: { } r } when _cuped is null =>
                $"Lifts are unadjusted: CUPED would remove only {r.ToString("P1", CultureInfo.InvariantCulture)} of the variance, and the studio uses it from {minimum}.",
            _ when _cuped == false => "Lifts are unadjusted (CUPED switched off).",
            _ => "Lifts are unadjusted: the pre-period value does not vary, so CUPED cannot adjust anything.",
        };
    }

    private bool EqualSplit => _detail!.Arms.Select(a => a.Weight).Distinct().Count() == 1;

    private string PlannedSplit()
    {
        var total = _detail!.Arms.Sum(a => a.Weight);
        return string.Join(" · ", _detail.Arms.Select(a => $"{a.Name} {(total > 0 ? a.Weight / total : 0).ToString("P1", CultureInfo.InvariantCulture)}"));
    }

    /// <summary>A hidden arm shows no results; a hidden control hides every lift (each lift would give the control's rate away).</summary>
    private bool ShowsResults(ArmResult arm) => !_hidden.Contains(arm.Name);

    private bool ShowsLift(ExperimentAnalysis analysis, ArmResult arm) => ShowsResults(arm) && !analysis.Arms.Any(a => a.IsControl && _hidden.Contains(a.Name));

    private bool AnyArmTooSmall => _readout?.Counts.Any(c => SmallGroups.IsSuppressed(c.N, _k)) == true;

    private IReadOnlyList<IntervalPoint> LiftPoints(ExperimentAnalysis analysis) => _readout?.ShowsSequential == true
        ? _readout.Sequential!.Arms.Where(a => ShowsSequentialLift(analysis, a.Name))
            .Select(a => new IntervalPoint(a.Name, a.RelativeLift, a.RelativeAlwaysValid.Lower, a.RelativeAlwaysValid.Upper)).ToList()
        : analysis.Arms.Where(a => a.VsControl is not null && ShowsLift(analysis, a))
            .Select(a => new IntervalPoint(a.Name, a.VsControl!.RelativeLift, a.VsControl.RelativeLiftCi.Lower, a.VsControl.RelativeLiftCi.Upper)).ToList();

    private string Value(double v, bool signed = false)
    {
        if (!double.IsFinite(v))
        {
            return "–";
        }

        if (_metric == PrimaryMetric.RevenuePerCustomer)
        {
            return v.ToString(signed ? "+0.00;-0.00" : "0.00", CultureInfo.InvariantCulture);
        }

        // Rates in percentage points for differences, percent for levels.
        return signed ? (v * 100).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + " pp" : v.ToString("0.00%", CultureInfo.InvariantCulture);
    }

    private static string Pct(double v) => double.IsFinite(v) ? v.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "–";

    private static string P(double p) => p < 0.0001 ? "< 0.0001" : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
