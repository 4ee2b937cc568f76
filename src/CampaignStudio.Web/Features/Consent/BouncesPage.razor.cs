using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Bounces;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Consent;

public partial class BouncesPage
{
    private BounceOverview? _overview;

    [Inject]
    private BounceService Bounces { get; set; } = default!;

    [Inject]
    private BouncePolicy Policy { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync() => _overview = await Bounces.OverviewAsync();

    private async Task LiftAsync(BounceSuppression suppression)
    {
        var outcome = await Bounces.LiftAsync(suppression.RecordId);
        if (outcome.Lifted)
        {
            Snackbar.Add($"{suppression.Email ?? "The address"} can be mailed again.", Severity.Success);
        }
        else
        {
            Snackbar.Add(outcome.Refusal ?? "The suppression was not lifted.", Severity.Warning);
        }

        _overview = await Bounces.OverviewAsync();
    }

    private static Color ReasonColor(BounceKind? kind) => kind switch
    {
        BounceKind.Soft => Color.Warning,
        BounceKind.Complaint => Color.Dark,
        _ => Color.Error,
    };
}
