using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Campaigns;

public partial class CampaignWizardPage
{
    private static readonly string[] Steps = ["Audience", "Experiment", "Content", "Schedule", "Review"];

    private readonly CampaignDraft _draft = new();
    private WizardChoices? _choices;
    private CampaignReview? _review;
    private IReadOnlyList<string> _problems = [];
    private int _step;
    private bool _reviewing;
    private bool _launching;
    private string? _localTime;

    [Inject]
    private CampaignService Campaigns { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

    private static IEnumerable<string> TimeZones =>
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Prepend("UTC").Distinct().Order(StringComparer.Ordinal);

    private bool CanContinue => _step switch
    {
        0 => !string.IsNullOrWhiteSpace(_draft.Name) && _draft.SegmentId is not null,
        2 => _draft.ExperimentId is null ? _draft.TemplateId is not null : _draft.VariantTemplates.Values.Any(t => t is not null),
        3 => _draft.Schedule == ScheduleKind.Now || !string.IsNullOrWhiteSpace(_localTime),
        _ => true,
    };

    protected override async Task OnInitializedAsync()
    {
        _choices = await Campaigns.ChoicesAsync();
        _draft.TimeZoneId = TimeZoneInfo.Local.Id;
    }

    private void GoTo(int step)
    {
        _problems = [];
        _step = step;
    }

    private async Task NextAsync()
    {
        GoTo(_step + 1);
        if (_step == Steps.Length - 1)
        {
            _reviewing = true;
            StateHasChanged();
            _draft.LocalSendTime = DateTime.TryParse(_localTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) ? local : null;
            _review = await Campaigns.ReviewAsync(_draft);
            _problems = _review.Problems;
            _reviewing = false;
        }
    }

    private void ExperimentChanged(int? experimentId)
    {
        _draft.ExperimentId = experimentId;
        _draft.VariantTemplates = [];
        _draft.Variants = _choices?.Experiments.FirstOrDefault(e => e.Id == experimentId)?.Variants ?? [];
        foreach (var variant in _draft.Variants.Where(v => !v.IsHoldout))
        {
            _draft.VariantTemplates[variant.Id] = variant.TemplateId;
        }
    }

    private void SetVariantTemplate(int variantId, int? templateId) => _draft.VariantTemplates[variantId] = templateId;

    private async Task LaunchAsync()
    {
        _launching = true;
        try
        {
            var result = await Campaigns.LaunchAsync(_draft);
            if (result.CampaignId is { } id)
            {
                Navigation.NavigateTo($"/campaigns/{id}");
                return;
            }

            _problems = result.Problems;
        }
        finally
        {
            _launching = false;
        }
    }
}
