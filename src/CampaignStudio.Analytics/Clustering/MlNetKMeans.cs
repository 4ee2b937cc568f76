using Microsoft.ML;
using Microsoft.ML.Data;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// Scoring with clustering models saved before the studio's own k-means (issue 17), which were ML.NET k-means
/// transformers: loaded from their zip bytes, nearest centre per row out. New runs store centroids instead.
/// </summary>
internal static class MlNetKMeans
{
    internal const string FeaturesColumn = "Features";
    private const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>Nearest-centroid index (0-based, ML.NET order) per row, through the model's own Transform.</summary>
    public static int[] Predict(ITransformer model, IDataView data) =>
        // Batch Transform, not a PredictionEngine: faster, and nothing shared between threads.
        model.Transform(data).GetColumn<uint>(PredictedLabelColumn).Select(label => (int)label - 1).ToArray();

    /// <summary>
    /// An IDataView over standardized rows. The feature count is known only at run time, so the vector
    /// size is set on the schema definition; k-means needs a known-size vector.
    /// </summary>
    public static IDataView ToDataView(MLContext ml, FeatureMatrix standardized)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, standardized.ColumnCount);
        var rows = new FeatureRow[standardized.RowCount];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new FeatureRow { Features = standardized.Row(i).ToArray() };
        }

        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Loads a transformer saved by <c>MLContext.Model.Save</c>.</summary>
    public static ITransformer Load(MLContext ml, byte[] zip)
    {
        using var stream = new MemoryStream(zip, writable: false);
        return ml.Model.Load(stream, out _);
    }

    private sealed class FeatureRow
    {
        [ColumnName(FeaturesColumn)]
        public float[] Features { get; set; } = [];
    }
}
