using CampaignStudio.Domain.Consent;
using CampaignStudio.Web.Components.Shared;
using CampaignStudio.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Consent;

public partial class ConsentPage
{
    /// <summary>One colour per status, the same on every consent chart: green can be mailed, the rest cannot.</summary>
    private static readonly IReadOnlyDictionary<ConsentStatus, string> StatusColors = new Dictionary<ConsentStatus, string>
    {
        [ConsentStatus.OptedIn] = "#2f9e44",
        [ConsentStatus.Pending] = "#1c7ed6",
        [ConsentStatus.Unknown] = "#adb5bd",
        [ConsentStatus.OptedOut] = "#f08c00",
        [ConsentStatus.Bounced] = "#e03131",
        [ConsentStatus.Complained] = "#a61e4d",
    };

    private ConsentDashboard? _dashboard;

    [Inject]
    private ConsentService Consent { get; set; } = default!;

    private IReadOnlyList<ChartSeries> MixSeries => _dashboard is null
        ? []
        : StatusColors.Select(s => new ChartSeries(ConsentChip.LabelOf(s.Key), s.Value,
            _dashboard.MixOverTime.Select(p => new ChartPoint(p.Month, p.Counts.GetValueOrDefault(s.Key))).ToList())).ToList();

    protected override async Task OnInitializedAsync() => _dashboard = await Consent.DashboardAsync();

    private static IReadOnlyList<ChartSeries> ChangeSeries(IReadOnlyList<ConsentChangeCount> counts) =>
    [
        new("Opt-ins", StatusColors[ConsentStatus.OptedIn], counts.Select(c => new ChartPoint(c.Label, c.OptIns)).ToList()),
        new("Opt-outs", StatusColors[ConsentStatus.OptedOut], counts.Select(c => new ChartPoint(c.Label, c.OptOuts)).ToList()),
    ];
}
