using System.Globalization;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace CampaignStudio.Web.Features.Experiments;

public partial class ExperimentImportPage
{
    private const string None = "\u0000none";

    private ResultsPreview? _preview;
    private ResultsMapping? _mapping;
    private IReadOnlyDictionary<string, int> _arms = new Dictionary<string, int>();
    private List<string> _covariates = [];
    private string? _uploadId;
    private string? _fileName;
    private string _name = "";
    private PrimaryMetric _metric;
    private bool _busy;
    private string _busyText = "";
    private List<string> _problems = [];
    private bool _splitStated;
    private Dictionary<string, double> _weights = new(StringComparer.Ordinal);

    [Inject]
    private ExperimentImportService Import { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private string ControlArm { get => _mapping!.ControlArm; set => _mapping = _mapping! with { ControlArm = value }; }

    private string? Conversion { get => _mapping!.ConversionColumn; set => _mapping = _mapping! with { ConversionColumn = value }; }

    private string? Revenue { get => _mapping!.RevenueColumn; set => _mapping = _mapping! with { RevenueColumn = value }; }

    private string? Visit { get => _mapping!.VisitColumn; set => _mapping = _mapping! with { VisitColumn = value }; }

    private string? Click { get => _mapping!.ClickColumn; set => _mapping = _mapping! with { ClickColumn = value }; }

    private string? PrePeriod { get => _mapping!.PrePeriodColumn; set => _mapping = _mapping! with { PrePeriodColumn = value }; }

    // The id is no covariate: a customer number would only teach the models noise.
    private string? IdColumn
    {
        get => _mapping!.IdColumn;
        set
        {
            _mapping = _mapping! with { IdColumn = value };
            _covariates.Remove(value ?? "");
        }
    }

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        _problems = [];
        _busy = true;
        _busyText = $"Reading {e.File.Name}…";
        try
        {
            await using (var stream = e.File.OpenReadStream(ExperimentImportService.MaxUploadBytes))
            {
                _uploadId = await Import.SaveUploadAsync(stream);
            }

            _fileName = e.File.Name;
            _preview = await Import.PreviewAsync(_uploadId);
            _mapping = _preview.Suggested;
            _arms = _preview.ArmCounts;
            _covariates = _mapping.CovariateColumns.ToList();
            _name = Path.GetFileNameWithoutExtension(e.File.Name);
            _metric = ExperimentImportService.SuggestMetric(_mapping);
        }
        catch (ResultsFileException ex)
        {
            _problems = ex.Problems.ToList();
        }
        catch (IOException ex)
        {
            _problems = [$"The upload failed: {ex.Message}"];
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task ArmColumnChangedAsync(string column)
    {
        _busy = true;
        _busyText = $"Counting the arms in '{column}'…";
        _arms = await Import.ArmsAsync(_uploadId!, column);
        _mapping = _mapping! with { ArmColumn = column, ControlArm = _arms.Keys.FirstOrDefault() ?? "" };
        _covariates.Remove(column);
        _weights = new(StringComparer.Ordinal);
        _busy = false;
    }

    private async Task CreateAsync()
    {
        _problems = [];
        _busy = true;
        _busyText = "Checking every row and creating the experiment…";
        StateHasChanged();
        try
        {
            var mapping = _mapping! with
            {
                CovariateColumns = _covariates.ToList(),
                Arms = _arms.Keys.ToList(),
                PlannedSplit = _splitStated ? _arms.Keys.ToDictionary(a => a, a => _weights.GetValueOrDefault(a, 1), StringComparer.Ordinal) : null,
            };
            var summary = await Import.CreateFromUploadAsync(_uploadId!, mapping, _name, _metric);
            Navigation.NavigateTo($"/experiments/{summary.ExperimentId}");
        }
        catch (ResultsFileException ex)
        {
            _problems = ex.Problems.ToList();
        }
        finally
        {
            _busy = false;
        }
    }

    private void Restart()
    {
        _preview = null;
        _mapping = null;
        _problems = [];
        _splitStated = false;
        _weights = new(StringComparer.Ordinal);
    }

    private void SplitStatedChanged(bool stated) => _splitStated = stated;

    private string EqualShare() => _arms.Count == 0 ? "–" : (1.0 / _arms.Count).ToString("P1", CultureInfo.InvariantCulture);

    private string StatedShares()
    {
        var weights = _arms.Keys.Select(a => (Arm: a, Weight: _weights.GetValueOrDefault(a, 1))).ToList();
        var total = weights.Sum(w => Math.Max(0, w.Weight));
        return total > 0
            ? "Shares: " + string.Join(" · ", weights.Select(w => $"{w.Arm} {(Math.Max(0, w.Weight) / total).ToString("P1", CultureInfo.InvariantCulture)}"))
            : "Give the arms positive shares.";
    }
}
