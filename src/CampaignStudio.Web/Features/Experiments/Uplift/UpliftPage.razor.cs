using CampaignStudio.Domain.Privacy;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Training;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Experiments.Uplift;

public partial class UpliftPage
{
    private const string AllArms = "\u0000all";

    private static readonly Dictionary<string, string> Colors = new()
    {
        [Learners.TLearner] = "#3b5bdb",
        [Learners.XLearner] = "#0ca678",
        [Learners.ClassTransformation] = "#f08c00",
    };

    private readonly CancellationTokenSource _disposed = new();
    private ExperimentDetail? _detail;
    private UpliftResult? _result;
    private UpliftJobStatus? _status;
    private string _treatmentArm = AllArms;
    private TreeTrainer _trainer = TreeTrainer.FastTree;
    private int _trees = 100;
    private string _learner = Learners.TLearner;
    private string _groupAttribute = "";
    private string _fairnessAttribute = "";
    private double _fraction = 30;
    private double _holdoutShare = UpliftService.DefaultHoldoutShare;
    private string? _segmentName;
    private string? _segmentMessage;
    private bool _busy;
    private bool _polling;

    [Parameter]
    public int Id { get; set; }

    [Inject]
    private Privacy.PrivacySettingsService Privacy { get; set; } = default!;

    private int _k = CampaignStudio.Domain.Privacy.SmallGroups.DefaultMinimum;

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private UpliftService Uplift { get; set; } = default!;

    private bool IsRate => _detail?.Metric != PrimaryMetric.RevenuePerCustomer;

    protected override async Task OnParametersSetAsync()
    {
        _k = await Privacy.MinGroupSizeAsync();
        _detail = await Experiments.GetAsync(Id);
        await LoadResultAsync();
        _status = await Uplift.StatusAsync(Id);
        if (_status is { Running: true })
        {
            _ = PollAsync();
        }
    }

    private async Task LoadResultAsync()
    {
        _result = await Uplift.ResultAsync(Id);
        if (_result is not null)
        {
            _learner = _result.BestLearner;
            var keys = _result.Groups.Keys.ToList();
            _groupAttribute = keys.Contains(_groupAttribute) ? _groupAttribute : keys.FirstOrDefault() ?? "";
            _fairnessAttribute = keys.Contains(_fairnessAttribute) ? _fairnessAttribute
                : keys.FirstOrDefault(k => k is "gender" or "age band") ?? keys.FirstOrDefault() ?? "";
        }
    }

    private async Task TrainAsync()
    {
        try
        {
            await Uplift.StartAsync(Id, new UpliftRequest(_treatmentArm == AllArms ? null : _treatmentArm, Trainer: _trainer, NumberOfTrees: _trees));
            _status = await Uplift.StatusAsync(Id);
            _ = PollAsync();
        }
        catch (TrainingRefusedException)
        {
            // A run is already going (perhaps started on another instance): show that run's progress instead.
            _status = await Uplift.StatusAsync(Id);
            _ = PollAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _status = new UpliftJobStatus(false, 0, "Failed", ex.Message, false);
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
                _status = await Uplift.StatusAsync(Id);
                if (_status is not { Running: true })
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

    private Task CancelAsync() => Uplift.CancelAsync(Id);

    private async Task CreateSegmentAsync()
    {
        _busy = true;
        try
        {
            var created = await Uplift.CreateTargetSegmentAsync(Id, _learner, _fraction / 100, _holdoutShare, _segmentName);
            _segmentMessage = $"Segment created with {Plural.Of(created.Targeted, "customer")} to target and {created.HeldOut:N0} in its holdout segment. Use it as the audience of the next campaign.";
        }
        catch (Exception ex) when (ex is ArgumentException or StudioForbiddenException)
        {
            _segmentMessage = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private TargetingComparison Comparison() => UpliftService.Compare(_result!, _learner, _fraction / 100);

    private FairnessReport Fairness() => UpliftService.Fairness(_result!, _fairnessAttribute, _learner, _fraction / 100, _k);

    private IReadOnlyList<CurveSeries> QiniSeries() => Curves(l => l.Curves.Qini);

    private IReadOnlyList<CurveSeries> UpliftSeries() => Curves(l => l.Curves.Uplift);

    private IReadOnlyList<CurveSeries> Curves(Func<LearnerResult, IReadOnlyList<CurvePoint>> pick)
    {
        var series = _result!.Learners.Select(l => new CurveSeries(l.Label, pick(l).Select(p => p.Fraction).ToList(), pick(l).Select(p => p.Value).ToList(),
            Colors.GetValueOrDefault(l.Key, "#868e96"))).ToList();
        var first = pick(_result.Learners[0]);
        series.Add(new CurveSeries("Random targeting", first.Select(p => p.Fraction).ToList(), first.Select(p => p.Random).ToList(), "#868e96", Dashed: true));
        return series;
    }

    // An effect measured on fewer than k treated or control customers is their outcomes almost one by one: no bar, no point.
    private bool TooSmall(GroupEffect g) => SmallGroups.IsSuppressed(g.TreatedN, _k) || SmallGroups.IsSuppressed(g.ControlN, _k);

    private IReadOnlyList<ChartPoint> DecilePoints() => _result!.Learners.Single(l => l.Key == _learner).Deciles
        .Select(d => new ChartPoint(d.Group, double.IsFinite(d.Effect) && !TooSmall(d) ? Math.Round(d.Effect * (IsRate ? 100 : 1), 3) : 0)).ToList();

    private IReadOnlyList<IntervalPoint> GroupPoints() => _groupAttribute.Length == 0 ? []
        : UpliftService.EffectByGroup(_result!, _groupAttribute, _learner).Where(g => !TooSmall(g)).Take(16)
            .Select(g => new IntervalPoint($"{g.Group} ({g.N:N0})", g.Effect, g.EffectCi.Lower, g.EffectCi.Upper)).ToList();

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
