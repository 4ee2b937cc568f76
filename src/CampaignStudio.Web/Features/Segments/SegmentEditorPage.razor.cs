using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>The rule builder: edits the rule, recounts members live (debounced and cancellable), saves.</summary>
public partial class SegmentEditorPage
{
    /// <summary>How long the builder waits after the last change before counting.</summary>
    public static readonly TimeSpan CountDelay = TimeSpan.FromMilliseconds(350);

    private RuleGroupModel _root = new();
    private RuleChoices? _choices;
    private SegmentPreview? _preview;
    private CancellationTokenSource? _countCts;
    private string? _name;
    private string? _description;
    private string? _saveError;
    private SegmentKind _kind = SegmentKind.Rule;
    private bool _loading = true;
    private bool _notFound;
    private bool _counting;
    private bool _saving;
    private bool _canEdit;

    [Parameter]
    public int? Id { get; set; }

    [Inject]
    private SegmentService Segments { get; set; } = default!;

    [Inject]
    private CurrentUser User { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private bool ReadOnlyKind => _kind != SegmentKind.Rule;

    protected override async Task OnParametersSetAsync()
    {
        _loading = true;
        _canEdit = await User.IsAllowedAsync(Policies.CanEdit);
        _choices = await Segments.ChoicesAsync();
        if (Id is { } id)
        {
            var segment = await Segments.GetAsync(id);
            _notFound = segment is null;
            if (segment is not null)
            {
                _name = segment.Name;
                _description = segment.Description;
                _kind = segment.Kind;
                _root = RuleEditorModel.FromRule(SegmentRuleJson.Parse(segment.RuleJson).Rule);
            }
        }
        else
        {
            _root = new RuleGroupModel();
            var condition = new RuleConditionModel();
            condition.ChangeField(RuleFields.EmailConsent);
            condition.Value = "OptedIn";
            _root.Children.Add(condition);
        }

        _loading = false;
        if (!_notFound && !ReadOnlyKind)
        {
            await CountNowAsync(CancellationToken.None);
        }
    }

    /// <summary>Every edit restarts the countdown; a count still running for an older rule is cancelled.</summary>
    private void RuleChanged()
    {
        _countCts?.Cancel();
        _countCts?.Dispose();
        _countCts = new CancellationTokenSource();
        var token = _countCts.Token;
        _ = DebouncedCountAsync(token);
    }

    private async Task DebouncedCountAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(CountDelay, ct);
            await CountNowAsync(ct);
            await InvokeAsync(StateHasChanged);
        }
        catch (OperationCanceledException)
        {
            // A newer edit took over.
        }
    }

    private async Task CountNowAsync(CancellationToken ct)
    {
        _counting = true;
        await InvokeAsync(StateHasChanged);
        try
        {
            var preview = await Segments.PreviewAsync(RuleEditorModel.ToRule(_root), Id, ct);
            ct.ThrowIfCancellationRequested();
            _preview = preview;
        }
        finally
        {
            _counting = false;
        }
    }

    private Task<IReadOnlyList<string>> SuggestAsync(string field, string? text, CancellationToken ct) => Segments.SuggestValuesAsync(field, text, ct: ct);

    private async Task SaveAsync()
    {
        _saving = true;
        _saveError = null;
        var result = await Segments.SaveAsync(Id, _name ?? "", _description, RuleEditorModel.ToRule(_root));
        _saving = false;
        if (result.Error is not null)
        {
            _saveError = result.Error;
            return;
        }

        Snackbar.Add($"Saved “{_name}”.", Severity.Success);
        if (Id is null)
        {
            Navigation.NavigateTo($"/segments/{result.Id}");
        }
    }

    private async Task DuplicateAsync()
    {
        var copy = await Segments.DuplicateAsync(Id!.Value);
        Snackbar.Add("Duplicated: you are editing the copy.", Severity.Info);
        Navigation.NavigateTo($"/segments/{copy}");
    }

    private async Task FreezeAsync()
    {
        try
        {
            var snapshot = await Segments.FreezeAsync(Id!.Value);
            Snackbar.Add("Members frozen into a snapshot segment.", Severity.Success);
            Navigation.NavigateTo($"/segments/{snapshot}");
        }
        catch (SegmentRuleException ex)
        {
            // The saved rule no longer works (what the page shows may be an unsaved, fixed one): say so, keep the page.
            Snackbar.Add(ex.Message, Severity.Error);
        }
    }

    public void Dispose()
    {
        _countCts?.Cancel();
        _countCts?.Dispose();
    }
}
