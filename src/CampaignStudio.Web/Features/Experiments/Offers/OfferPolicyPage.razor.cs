using System.Globalization;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Training;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Experiments.Offers;

public partial class OfferPolicyPage
{
    private readonly CancellationTokenSource _disposed = new();
    private string _name = "";
    private OfferCostsView? _costs;
    private List<ArmCostsForm> _arms = [];
    private double _marginPercent;
    private OfferPolicyResult? _result;
    private OfferPolicyStatus? _status;
    private IReadOnlyList<string> _problems = [];
    private string _fairnessAttribute = "";
    private bool _canEdit;
    private bool _polling;
    private int _k = Domain.Privacy.SmallGroups.DefaultMinimum;

    [Parameter]
    public int Id { get; set; }

    [Inject]
    private OfferPolicyService Offers { get; set; } = default!;

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private Privacy.PrivacySettingsService Privacy { get; set; } = default!;

    [Inject]
    private CurrentUser User { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool Training => _status?.State is OfferPolicyState.Queued or OfferPolicyState.Running;

    private string? RecommendedLabel => _result is null ? null : OfferPolicyService.RecommendedLabel(_result);

    private IReadOnlyList<IntervalPoint> ValuePoints() => OfferPolicyService.ValuePoints(_result!);

    private string Profile(OfferShare share) => OfferPolicyService.Profile(_result!, share);

    protected override async Task OnParametersSetAsync()
    {
        _k = await Privacy.MinGroupSizeAsync();
        _canEdit = await User.IsAllowedAsync(Domain.Identity.Policies.CanEdit);
        _name = (await Experiments.GetAsync(Id))?.Name ?? "";
        _costs = await Offers.CostsAsync(Id);
        ShowCosts();
        await LoadResultAsync();
        _status = await Offers.StatusAsync(Id);
        if (Training)
        {
            _ = PollAsync();
        }
    }

    private void ShowCosts()
    {
        if (_costs is null)
        {
            return;
        }

        _marginPercent = Math.Round(_costs.Margin * 100, 2);
        _arms = _costs.Arms.Select(a => new ArmCostsForm
        {
            Name = a.Key,
            SendsMessage = a.Value.SendsMessage ?? true,
            DiscountPercent = Math.Round(a.Value.Discount * 100, 2),
            MessageCost = a.Value.MessageCost,
            RedemptionCost = a.Value.RedemptionCost,
        }).ToList();
    }

    private async Task LoadResultAsync()
    {
        _result = await Offers.ResultAsync(Id);
        if (_result is not null)
        {
            var keys = _result.Groups.Keys.ToList();
            _fairnessAttribute = keys.Contains(_fairnessAttribute) ? _fairnessAttribute
                : keys.FirstOrDefault(k => k is "gender" or "age band") ?? keys.FirstOrDefault() ?? "";
        }
    }

    private OfferCostsInput Input()
    {
        // The margin is saved as the experiment's own only when it differs from what applies now.
        var margin = _marginPercent / 100;
        return new OfferCostsInput(
            Math.Abs(margin - _costs!.Margin) < 1e-9 ? null : margin,
            _arms.ToDictionary(a => a.Name, a => new ArmCostsInput(a.DiscountPercent / 100, a.MessageCost, a.RedemptionCost, a.SendsMessage), StringComparer.Ordinal));
    }

    private async Task SaveCostsAsync()
    {
        _problems = [];
        try
        {
            await Offers.SaveCostsAsync(Id, Input());
            _costs = await Offers.CostsAsync(Id);
            ShowCosts();
        }
        catch (OfferCostsException ex)
        {
            _problems = ex.Problems;
        }
    }

    private async Task TrainAsync()
    {
        _problems = [];
        try
        {
            await Offers.StartAsync(Id, Input());
            _costs = await Offers.CostsAsync(Id);
            ShowCosts();
            _status = await Offers.StatusAsync(Id);
            _ = PollAsync();
        }
        catch (OfferCostsException ex)
        {
            _problems = ex.Problems;
        }
        catch (TrainingRefusedException ex)
        {
            // A run is already going (perhaps started on another instance): say so and show that run's progress.
            _problems = [ex.Message];
            _status = await Offers.StatusAsync(Id);
            _ = PollAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _problems = [ex.Message];
        }
    }

    /// <summary>Polls the background job twice a second; the training itself never runs on this circuit.</summary>
    private async Task PollAsync()
    {
        if (_polling)
        {
            return;
        }

        _polling = true;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
                _status = await Offers.StatusAsync(Id);
                if (!Training)
                {
                    await LoadResultAsync();
                    await InvokeAsync(StateHasChanged);
                    break;
                }

                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed; the job carries on in the background.
        }
        finally
        {
            _polling = false;
        }
    }

    private async Task OpenLaunchAsync()
    {
        var dialog = await Dialogs.ShowAsync<PolicyLaunchDialog>($"Launch the policy of “{_name}”",
            new DialogParameters<PolicyLaunchDialog> { { d => d.ExperimentId, Id } },
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false, Data: PolicyLaunchResult { ExperimentId: { } launched } })
        {
            Navigation.NavigateTo($"/experiments/{launched}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }

    /// <summary>One arm's row of the cost form (the discount in percent, as marketers write it).</summary>
    private sealed class ArmCostsForm
    {
        public string Name { get; set; } = "";
        public bool SendsMessage { get; set; }
        public double DiscountPercent { get; set; }
        public double MessageCost { get; set; }
        public double RedemptionCost { get; set; }
    }
}
