using System.Globalization;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Experiments;

public partial class ExperimentDesignPage
{
    private ExperimentDesign? _design;
    private IReadOnlyList<(int Id, string Name)> _segments = [];
    private IReadOnlyList<(int Id, string Name)> _templates = [];
    private List<string> _problems = [];
    private bool _busy;
    private string? _fixedReason;

    [Parameter]
    public int? Id { get; set; }

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _segments = await Experiments.SegmentChoicesAsync();
        _templates = await Experiments.TemplateChoicesAsync();
        // A design that can no longer change is not offered for editing: the save would be refused anyway (ExperimentLifecycle).
        _fixedReason = Id is { } existing ? (await Experiments.GetAsync(existing))?.WhyDesignIsFixed : null;
        _design = Id is { } id ? await Experiments.DesignAsync(id) ?? new ExperimentDesign() : new ExperimentDesign();
        if (_design.AudienceSegmentId is { } segment)
        {
            _design.Power.AvailableAudience = await AudienceSizeAsync(segment);
        }
    }

    private async Task AudienceChangedAsync(int? segmentId)
    {
        // The whole mailable audience: the planner takes the holdout's share off itself.
        _design!.AudienceSegmentId = segmentId;
        _design.Power.AvailableAudience = segmentId is { } s ? await AudienceSizeAsync(s) : null;
    }

    /// <summary>The segment's mailable customers; null, with the reason shown, when its stored rule no longer works.</summary>
    private async Task<long?> AudienceSizeAsync(int segmentId)
    {
        try
        {
            var size = await Experiments.AudienceSizeAsync(segmentId);
            _problems = [];
            return size;
        }
        catch (SegmentRuleException ex)
        {
            _problems = [ex.Message];
            return null;
        }
    }

    private void AddArm() => _design!.Arms.Add(new ArmDesign { Name = $"Variant {(char)('A' + _design.Arms.Count - 1)}" });

    /// <summary>The sample-size plan of this design as it stands: its arms' weights (control first) and its holdout.</summary>
    private PowerForm Power()
    {
        var form = _design!.Power;
        var arms = _design.Arms.OrderBy(a => a.IsControl ? 0 : 1).ToList();
        form.Weights = [.. arms.Select(a => a.Weight > 0 && double.IsFinite(a.Weight) ? a.Weight : 1)];
        form.ArmNames = [.. arms.Select(a => string.IsNullOrWhiteSpace(a.Name) ? "(unnamed arm)" : a.Name)];
        form.Arms = arms.Count;
        form.HoldoutShare = _design.HoldoutShare is >= 0 and <= 0.5 ? _design.HoldoutShare : 0;
        return form;
    }

    private void MakeControl(ArmDesign arm)
    {
        foreach (var a in _design!.Arms)
        {
            a.IsControl = ReferenceEquals(a, arm);
        }
    }

    private void ToggleGuardrail(string key, bool on)
    {
        _design!.Guardrails.Remove(key);
        if (on)
        {
            _design.Guardrails.Add(key);
        }
    }

    private string Split()
    {
        var total = _design!.Arms.Sum(a => Math.Max(0, a.Weight));
        var parts = _design.Arms.Select(a => $"{a.Name} {(total > 0 ? a.Weight / total * (1 - _design.HoldoutShare) : 0).ToString("P0", CultureInfo.InvariantCulture)}");
        return string.Join(" · ", _design.HoldoutShare > 0 ? parts.Append($"holdout {_design.HoldoutShare.ToString("P0", CultureInfo.InvariantCulture)}") : parts);
    }

    /// <summary>What the adaptive settings will do, in one sentence.</summary>
    private string RolloutExplained(RolloutDesign r) =>
        $"{r.TestShare.ToString("P0", CultureInfo.InvariantCulture)} of the mailable audience is tested at launch. After {r.WaitHours} hours the studio reads the " +
        $"primary metric: the arm with the highest chance to be best goes to the rest only if it beats the control with {r.Confidence.ToString("P0", CultureInfo.InvariantCulture)} " +
        $"confidence (an always-valid interval), else {(r.FallbackArm is { } f ? $"“{f}”" : "the control")} does. Consent, the holdout and suppressions apply to the rest as well.";

    private string AdaptiveExplained()
    {
        var a = _design!.Adaptive;
        var every = a.IntervalHours == 24 ? "every day" : a.IntervalHours % 24 == 0 ? $"every {a.IntervalHours / 24} days" : $"every {a.IntervalHours} hours";
        var first = a.BurnInRounds == 1 ? "The first round gives" : $"The first {a.BurnInRounds} rounds give";
        return $"The audience is split at random into {a.Rounds} rounds, one sent {every}. {first} " +
            $"every arm an equal share; before each later round the shares follow each arm's chance of being best on the primary metric so far, " +
            $"never below {a.FloorPerArm.ToString("P0", CultureInfo.InvariantCulture)} per arm. Every share is logged, and the results are reweighted by it, so the lifts stay unbiased.";
    }

    private async Task SaveAsync()
    {
        _problems = ExperimentService.Validate(_design!).ToList();
        if (_problems.Count > 0)
        {
            return;
        }

        _busy = true;
        try
        {
            var id = await Experiments.SaveAsync(Id, _design!);
            Navigation.NavigateTo($"/experiments/{id}");
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _problems = [ex.Message];
        }
        finally
        {
            _busy = false;
        }
    }
}
