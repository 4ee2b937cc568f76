using CampaignStudio.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.SenderHealth;

public partial class SenderHealthPage
{
    private SenderHealthReport? _report;
    private int _days = SenderHealthService.DefaultDays;

    [Inject]
    private SenderHealthService Health { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "domain")]
    public string? Domain { get; set; }

    [SupplyParameterFromQuery(Name = "campaign")]
    public int? CampaignId { get; set; }

    [SupplyParameterFromQuery(Name = "days")]
    public int? Days { get; set; }

    private HealthScope _scope = HealthScope.All;

    protected override async Task OnParametersSetAsync()
    {
        _days = Days is > 0 and <= SenderHealthService.MaxDays ? Days.Value : SenderHealthService.DefaultDays;
        _scope = new HealthScope(Domain, CampaignId);
        await LoadAsync();
    }

    private async Task LoadAsync() => _report = await Health.GetAsync(_scope, _days);

    private async Task DaysChangedAsync(int days)
    {
        _days = days;
        await LoadAsync();
    }

    private async Task ScopeAsync(HealthScope scope)
    {
        _scope = scope;
        await LoadAsync();
    }

    private bool IsScope(string? domain, int? campaignId) => _report?.Scope is { } s && s.Domain == domain && s.CampaignId == campaignId;

    private IReadOnlyList<RateSeries> ComplaintSeries => _report is null ? [] :
        [new RateSeries("Complaint rate", "#e0524f", Points(d => d.ComplaintRate))];

    private static readonly IReadOnlyList<LimitLine> ComplaintLimits =
        [new LimitLine("Gmail: aim under 0.1 %", 0.1, "#e3a33b"), new LimitLine("Gmail: never 0.3 %", 0.3, "#e0524f")];

    private IReadOnlyList<RateSeries> BounceSeries => _report is null ? [] :
    [
        new RateSeries("Hard bounces", "#7c6cf0", Points(d => d.HardBounceRate)),
        new RateSeries("Soft bounces", "#3fb6c9", Points(d => d.SoftBounceRate)),
        new RateSeries("Unsubscribes", "#8a93ad", Points(d => d.UnsubscribeRate)),
    ];

    private IReadOnlyList<LimitLine> BounceLimits => _report is null ? [] :
        [new LimitLine($"Automatic pause: hard bounces {CampaignStudio.Domain.Campaigns.AutomaticPauseLimits.Percent(_report.Limits.HardBounceRate)}", _report.Limits.HardBounceRate * 100, "#7c6cf0")];

    private List<RatePoint> Points(Func<HealthFigures, ShownRate> rate) =>
        _report!.Daily.Select(d => new RatePoint(d.Day, rate(d.Figures).Value is { } v ? v * 100 : null)).ToList();

    private static string Count(ShownCount c) => HealthFormat.Count(c);

    private static string Rate(ShownRate r) => HealthFormat.Rate(r);

    private static string Wait(TimeSpan wait) =>
        wait == TimeSpan.Zero ? "0"
        : wait.TotalDays >= 1 ? $"{wait.TotalDays:0.#} days"
        : wait.TotalHours >= 1 ? $"{wait.TotalHours:0.#} hours"
        : wait.TotalMinutes >= 1 ? $"{wait.TotalMinutes:0} min"
        : $"{Math.Max(1, wait.TotalSeconds):0} s";
}
