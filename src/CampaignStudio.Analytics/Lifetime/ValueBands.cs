using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Analytics.Lifetime;

/// <summary>Places predicted values into bands by rank: top 10 %, next 20 %, next 30 %, the lower 40 %.</summary>
public static class ValueBands
{
    /// <summary>The share of customers at or above each band's lower edge, from the top band down.</summary>
    public static readonly IReadOnlyList<(PredictedValueBand Band, double Share)> Edges =
        [(PredictedValueBand.Top, 0.10), (PredictedValueBand.High, 0.30), (PredictedValueBand.Medium, 0.60), (PredictedValueBand.Low, 1.0)];

    /// <summary>The band of each value, ranked among all of them (ties broken by position, so equal inputs give equal output).</summary>
    public static PredictedValueBand[] Assign(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).ToArray();
        Array.Sort(order, (x, y) => values[y].CompareTo(values[x]) is var c and not 0 ? c : x.CompareTo(y));
        var bands = new PredictedValueBand[values.Count];
        for (var rank = 0; rank < order.Length; rank++)
        {
            var share = (rank + 1.0) / order.Length;
            bands[order[rank]] = Edges.First(e => share <= e.Share + 1e-12).Band;
        }

        return bands;
    }
}
