using CampaignStudio.Domain.Flows;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>The lifecycle buttons of the editor, each asked for once before it happens.</summary>
public enum FlowAction
{
    Publish,
    Pause,
    Resume,
    Archive,
    Delete,
}

/// <summary>
/// The flow editor: the diagram is edited in memory with <see cref="FlowEdits"/> (add, change, move, remove) and stored by
/// Save draft; the lifecycle buttons call <see cref="FlowService"/>, which checks the role and the rules again.
/// </summary>
public partial class FlowEditorPage : IDisposable
{
    /// <summary>How often the counts of a live or paused flow are read again while the page is open.</summary>
    private static readonly TimeSpan CountsRefresh = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _cts = new();

    [Parameter]
    public int Id { get; set; }

    [Inject]
    private FlowService Flows { get; set; } = default!;

    [Inject]
    private CurrentUser User { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private FlowDetail? _detail;
    private FlowChoices _choices = new([], []);
    private FlowSettingsModel _trigger = new();
    private IReadOnlyList<FlowStep> _steps = [];
    private FlowStepModel? _selected;
    private (FlowPlace Place, int Index)? _adding;
    private FlowAction? _confirm;
    private bool _canEdit;
    private bool _busy;
    private bool _dirty;
    private bool _notFound;
    private string? _problem;
    private string? _notice;
    private string? _stepProblem;

    /// <summary>The diagram can be changed: the user may edit and the version shown is a draft.</summary>
    public bool CanChange => _canEdit && _detail?.IsEditable == true;

    public string? SelectedId => _selected?.Id;

    private IReadOnlyList<FlowStep> Steps => _steps;

    private bool PanelOpen => CanChange && (_adding is not null || _selected is not null);

    protected override async Task OnParametersSetAsync()
    {
        _canEdit = await User.IsAllowedAsync(Domain.Identity.Policies.CanEdit);
        _choices = await Flows.ChoicesAsync();
        await LoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _ = FollowCountsAsync();
        }
    }

    /// <summary>
    /// Keeps the counts live (inside, entered, finished, exited and who waits at each step) while customers move; only the
    /// counts are replaced, so a diagram being edited is never touched.
    /// </summary>
    private async Task FollowCountsAsync()
    {
        using var timer = new PeriodicTimer(CountsRefresh);
        var ct = _cts.Token;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (_detail is not { Flow.Status: FlowStatus.Live or FlowStatus.Paused } shown || _busy)
                {
                    continue;
                }

                if (await Flows.GetAsync(Id, ct) is { } fresh && fresh.Flow.Id == shown.Flow.Id)
                {
                    _detail = shown with { Counts = fresh.Counts, WaitingAtStep = fresh.WaitingAtStep, OnOlderVersions = fresh.OnOlderVersions };
                    await InvokeAsync(StateHasChanged);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page was left.
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }

    public string? TemplateName(int id) => _choices.Templates.FirstOrDefault(t => t.Id == id)?.Name;

    public string? OfferName(OfferGainCondition condition) => _choices.OfferName(condition);

    public int WaitingAt(string stepId) => _detail?.WaitingAtStep.GetValueOrDefault(stepId) ?? 0;

    public bool CanMove(string stepId, int by) => FlowEdits.CanMove(Current, stepId, by);

    public bool IsAddingAt(FlowPlace place, int index) => _adding is { } a && a.Place == place && a.Index == index;

    public void Select(FlowStep step)
    {
        _adding = null;
        _stepProblem = null;
        _selected = FlowStepModel.From(step);

        // Called from the diagram's cards: the event is theirs, so the page re-renders only when asked.
        StateHasChanged();
    }

    public void StartAdding(FlowPlace place, int index)
    {
        _selected = null;
        _adding = (place, index);
        StateHasChanged();
    }

    public void Move(string stepId, int by) => Change(FlowEdits.Move(Current, stepId, by));

    public void Delete(string stepId)
    {
        if (_selected?.Id == stepId)
        {
            _selected = null;
        }

        Change(FlowEdits.Remove(Current, stepId));
    }

    private FlowDefinition Current => _trigger.With(_steps);

    private void Add(FlowStepKind kind)
    {
        if (_adding is not { } at)
        {
            return;
        }

        var model = FlowStepModel.New(kind, FlowEdits.NewStepId(Current), _choices.Templates.FirstOrDefault()?.Id ?? 0);
        var step = model.ToStep();
        try
        {
            Change(FlowEdits.Insert(Current, at.Place, at.Index, step));
            _adding = null;
            Select(step);
        }
        catch (InvalidOperationException ex)
        {
            _problem = ex.Message;
        }
    }

    private void Apply()
    {
        if (_selected is null)
        {
            return;
        }

        try
        {
            var changed = FlowEdits.Replace(Current, _selected.ToStep());
            Change(changed);

            // Applied either way; the sentence says what Save draft will still refuse.
            _stepProblem = FlowDefinitionJson.Validate(changed);
            if (_stepProblem is null)
            {
                _selected = null;
            }
        }
        catch (OverflowException)
        {
            _stepProblem = "That wait is too long: at most a year.";
        }
    }

    private void CloseStep()
    {
        _selected = null;
        _stepProblem = null;
    }

    private void SettingsChanged()
    {
        _dirty = true;
        _problem = FlowDefinitionJson.Validate(Current);
    }

    private void Change(FlowDefinition definition)
    {
        _steps = definition.Steps;
        _dirty = true;
        _notice = null;
        _problem = null;
        StateHasChanged();
    }

    private async Task<bool> SaveDraftAsync()
    {
        _busy = true;
        try
        {
            var change = await Flows.SaveDraftAsync(Id, Current);
            if (!change.Succeeded)
            {
                _problem = change.Problem;
                return false;
            }

            await LoadAsync();
            _notice = "Draft saved.";
            return true;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task EditLiveAsync()
    {
        var change = await Flows.EditLiveAsync(Id);
        _problem = change.Problem;
        await LoadAsync();
    }

    private void Ask(FlowAction action)
    {
        _problem = null;
        _confirm = action;
    }

    private async Task ConfirmAsync()
    {
        if (_confirm is not { } action)
        {
            return;
        }

        _confirm = null;
        if (action == FlowAction.Publish && _dirty && !await SaveDraftAsync())
        {
            return;
        }

        _busy = true;
        var change = action switch
        {
            FlowAction.Publish => await Flows.PublishAsync(Id),
            FlowAction.Pause => await Flows.PauseAsync(Id),
            FlowAction.Resume => await Flows.ResumeAsync(Id),
            FlowAction.Archive => await Flows.ArchiveAsync(Id),
            _ => await Flows.DeleteDraftAsync(Id),
        };
        _busy = false;
        if (!change.Succeeded)
        {
            _problem = change.Problem;
            return;
        }

        if (action == FlowAction.Delete)
        {
            Navigation.NavigateTo("/flows");
            return;
        }

        await LoadAsync();
        _notice = action switch
        {
            FlowAction.Publish => "Published: new customers enter this version and its e-mails are sending.",
            FlowAction.Pause => "Paused.",
            FlowAction.Resume => "Live again.",
            _ => "Archived.",
        };
    }

    private async Task LoadAsync()
    {
        _detail = await Flows.GetAsync(Id);
        _notFound = _detail is null;
        if (_detail is null)
        {
            return;
        }

        var definition = _detail.Definition ?? FlowService.Starter;
        _steps = definition.Steps;
        _trigger = FlowSettingsModel.From(definition);
        _dirty = false;
        _selected = null;
        _adding = null;
        _stepProblem = null;
    }

    private string? SegmentName(int id) => _choices.Segments.FirstOrDefault(s => s.Id == id)?.Name;

    private string VersionLine
    {
        get
        {
            var d = _detail!;
            var line = d.Live is { } live
                ? $"Version {live.Number} · live since {live.PublishedAt:yyyy-MM-dd HH:mm} UTC"
                : $"Version {d.Shown.Number} · draft, never live";
            if (d.Draft is { } draft && d.Live is not null)
            {
                line += $" · editing version {draft.Number} (draft: customers see it once published)";
            }

            if (d.OnOlderVersions > 0)
            {
                line += $"; {d.OnOlderVersions:N0} {(d.OnOlderVersions == 1 ? "customer" : "customers")} still on an earlier version";
            }

            return line;
        }
    }

    private string Question(FlowAction action) => action switch
    {
        FlowAction.Publish => $"Publish version {_detail!.Shown.Number}? New customers enter it from now on and each e-mail step starts sending"
            + (_detail.Live is null ? "." : "; customers already inside finish on their version."),
        FlowAction.Pause => "Pause the flow? Nobody new enters, nobody moves on and its e-mails stop until you resume.",
        FlowAction.Resume => "Resume the flow? Customers move on from where they waited and its e-mails send again.",
        FlowAction.Archive => "Archive the flow for good? Customers inside leave and mail not yet sent is cancelled; its reports stay.",
        _ => "Delete this draft? It was never live; this cannot be undone.",
    };

    private static string ActionName(FlowAction action) => action switch
    {
        FlowAction.Publish => "Publish",
        FlowAction.Pause => "Pause",
        FlowAction.Resume => "Resume",
        FlowAction.Archive => "Archive",
        _ => "Delete",
    };

    private static string KindName(FlowStepKind kind) => kind switch
    {
        FlowStepKind.Wait => "Wait",
        FlowStepKind.WaitUntilTime => "Wait until a time of day",
        FlowStepKind.WaitForEvent => "Wait for an event",
        FlowStepKind.SendEmail => "Send e-mail",
        FlowStepKind.ConditionSplit => "Condition split",
        FlowStepKind.RandomSplit => "Random split",
        FlowStepKind.UpdateAttribute => "Update an attribute",
        _ => "Exit",
    };

    private static string KindIcon(FlowStepKind kind) => kind switch
    {
        FlowStepKind.Wait => MudBlazor.Icons.Material.Filled.HourglassTop,
        FlowStepKind.WaitUntilTime => MudBlazor.Icons.Material.Filled.Schedule,
        FlowStepKind.WaitForEvent => MudBlazor.Icons.Material.Filled.HourglassBottom,
        FlowStepKind.SendEmail => MudBlazor.Icons.Material.Filled.Email,
        FlowStepKind.ConditionSplit => MudBlazor.Icons.Material.Filled.CallSplit,
        FlowStepKind.RandomSplit => MudBlazor.Icons.Material.Filled.Shuffle,
        FlowStepKind.UpdateAttribute => MudBlazor.Icons.Material.Filled.Label,
        _ => MudBlazor.Icons.Material.Filled.Logout,
    };
}
