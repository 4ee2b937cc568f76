using CampaignStudio.Domain.Customers;
using CampaignStudio.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Predictive;

public partial class LifetimePage
{
    private LifetimeOverview? _overview;
    private readonly CancellationTokenSource _disposed = new();

    [Inject]
    private LifetimeService Lifetime { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private string TotalValue => _overview!.Bands.Where(b => !b.Suppressed).Sum(b => b.PredictedValue).ToString("N0");

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _ = FollowAsync();
    }

    private async Task LoadAsync() => _overview = await Lifetime.OverviewAsync(_disposed.Token);

    private async Task RefitAsync()
    {
        await Lifetime.RefitAsync();
        Snackbar.Add("Refitting the models in the background.", Severity.Info);
    }

    private async Task SaveThemAsync()
    {
        var id = await Lifetime.SaveAtRiskSegmentAsync();
        Navigation.NavigateTo($"/segments/{id}");
    }

    // While a fit runs, refresh every half second; once it ends, reload the results.
    private async Task FollowAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        var wasRunning = _overview?.Running is not null;
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
                var running = Lifetime.IsRunning;
                if (running || wasRunning)
                {
                    await LoadAsync();
                    await InvokeAsync(StateHasChanged);
                }

                wasRunning = running;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static IReadOnlyList<ChartPoint> Bars(IReadOnlyList<HistogramBar> bars) => [.. bars.Select(b => new ChartPoint(b.Label, b.Value ?? 0))];

    private static IReadOnlyList<ChartPoint> Actual(LifetimeFitSummary fit) => [.. fit.Check.Select(b => new ChartPoint(b.Label, b.Actual))];

    private static IReadOnlyList<ChartPoint> Predicted(LifetimeFitSummary fit) => [.. fit.Check.Select(b => new ChartPoint(b.Label, b.Predicted))];

    internal static string BandLabel(PredictedValueBand band) => Domain.Wording.DisplayNames.Of(band);

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
