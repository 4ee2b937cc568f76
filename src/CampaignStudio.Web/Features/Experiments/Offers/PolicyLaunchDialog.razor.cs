using CampaignStudio.Analytics.Offers;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>Closes with the launched <see cref="PolicyLaunchResult"/>; a refused launch stays open with the service's sentence.</summary>
public partial class PolicyLaunchDialog
{
    private readonly Dictionary<string, int?> _picked = new(StringComparer.Ordinal);
    private IReadOnlyList<TemplateListItem> _templates = [];
    private List<string> _sendingArms = [];
    private List<string> _silentArms = [];
    private PolicyLaunchResult? _preview;
    private string? _problem;
    private bool _busy;
    private double _explorationPercent = ExplorationPlan.DefaultExploration * 100;
    private double _holdoutPercent = PolicyLaunchRequest.DefaultHoldout * 100;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired]
    public int ExperimentId { get; set; }

    [Inject]
    private PolicyLaunchService Launches { get; set; } = default!;

    [Inject]
    private TemplateService Templates { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _templates = (await Templates.ListAsync()).Where(t => t.IsValid).OrderBy(t => t.Name, StringComparer.CurrentCulture).ToList();
        await PreviewAsync();
    }

    private PolicyLaunchRequest Request() => new(
        _picked.Where(p => p.Value is not null && _sendingArms.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value!.Value, StringComparer.Ordinal),
        _explorationPercent / 100, _holdoutPercent / 100);

    private async Task PreviewAsync()
    {
        _problem = null;
        try
        {
            _preview = await Launches.PreviewAsync(ExperimentId, Request());
            _sendingArms = _preview.Arms.Where(a => a.SendsMessage).Select(a => a.Arm).ToList();
            _silentArms = _preview.Arms.Where(a => !a.SendsMessage).Select(a => a.Arm).ToList();
        }
        catch (ArgumentException ex)
        {
            _preview = null;
            _problem = ex.Message;
        }
    }

    private async Task ExplorationChangedAsync(double percent)
    {
        _explorationPercent = percent;
        await PreviewAsync();
    }

    private async Task HoldoutChangedAsync(double percent)
    {
        _holdoutPercent = percent;
        await PreviewAsync();
    }

    private async Task LaunchAsync()
    {
        _busy = true;
        _problem = null;
        try
        {
            Dialog.Close(DialogResult.Ok(await Launches.LaunchAsync(ExperimentId, Request())));
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            // The same sentence the API answers with a 400 (or 403).
            _problem = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
