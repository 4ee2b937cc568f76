using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;

namespace CampaignStudio.Web.Components.Shared.Charts;

/// <summary>The one place the typed chart wrappers hand their traces to Plotly: loading skeleton, first draw, redraws.</summary>
public partial class PlotFrame
{
    private readonly CancellationTokenSource _disposed = new();
    private PlotlyChart? _chart;
    private bool _drawn;
    private string? _drawnSignature;

    [Parameter, EditorRequired]
    public Config Config { get; set; } = default!;

    [Parameter, EditorRequired]
    public Plotly.Blazor.Layout Layout { get; set; } = default!;

    [Parameter, EditorRequired]
    public IList<ITrace> Data { get; set; } = default!;

    /// <summary>The chart's height in pixels; the skeleton takes the same room, so nothing jumps when the chart appears.</summary>
    [Parameter]
    public int Height { get; set; } = 280;

    private void Drawn()
    {
        _drawnSignature = Signature();
        _drawn = true;
        _ = InvokeAsync(StateHasChanged);
    }

    /// <summary>
    /// Plotly.Blazor draws once and ignores new parameters; the wrappers build fresh traces on every parent render, so
    /// the frame compares what the traces say and redraws (Plotly.react) only when it changed.
    /// </summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender || !_drawn || _chart is null)
        {
            return;
        }

        var signature = Signature();
        if (signature != _drawnSignature)
        {
            _drawnSignature = signature;
            await _chart.React(_disposed.Token);
        }
    }

    // As objects, so each trace is written with its own properties rather than the ITrace interface's (none).
    private string Signature() => JsonSerializer.Serialize(new { Data = Data.Cast<object>().ToList(), Layout = (object)Layout }, SignatureOptions);

    private static readonly JsonSerializerOptions SignatureOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
