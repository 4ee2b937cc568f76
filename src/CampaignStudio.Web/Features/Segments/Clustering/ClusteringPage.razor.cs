using CampaignStudio.Analytics.Clustering;
using CampaignStudio.Domain.Segments;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Segments.Clustering;

public partial class ClusteringPage
{
    private IReadOnlyList<FeatureDefinition> _features = [];
    private readonly HashSet<string> _selected = [.. CustomerFeatures.DefaultKeys];
    private IReadOnlyList<Segment> _segments = [];
    private IReadOnlyList<ClusteringRunListItem> _runs = [];
    private KSuggestion? _suggestion;
    private string? _name;
    private string? _error;
    private int? _scope;
    private int _k = 5;
    private bool _includeNonBuyers;
    private bool _suggesting;

    [Inject]
    private ClusteringService Clustering { get; set; } = default!;

    [Inject]
    private SegmentService Segments { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _features = await Clustering.FeaturesAsync();
        _segments = await Segments.ListAsync();
        _runs = await Clustering.RunsAsync();
    }

    private void Toggle(string key, bool on)
    {
        if (on)
        {
            _selected.Add(key);
        }
        else
        {
            _selected.Remove(key);
        }
    }

    private IReadOnlyList<string> SelectedKeys => _features.Select(f => f.Key).Where(_selected.Contains).ToList();

    private async Task SuggestAsync()
    {
        _error = null;
        _suggesting = true;
        try
        {
            _suggestion = await Clustering.SuggestKAsync(SelectedKeys, _scope, _includeNonBuyers);
            _k = _suggestion.SuggestedK;
        }
        catch (ArgumentException ex)
        {
            _error = ex.Message;
        }
        finally
        {
            _suggesting = false;
        }
    }

    private async Task StartAsync()
    {
        _error = null;
        try
        {
            var id = await Clustering.StartAsync(new ClusteringRequest(_name ?? "", SelectedKeys, _scope, _k, _includeNonBuyers));
            Navigation.NavigateTo($"/segments/clusters/{id}");
        }
        catch (ArgumentException ex)
        {
            _error = ex.Message;
        }
    }
}
