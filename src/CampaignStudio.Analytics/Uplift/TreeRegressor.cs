using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace CampaignStudio.Analytics.Uplift;

/// <summary>Tree settings shared by every meta-learner built on ML.NET regressors.</summary>
/// <param name="Trainer">FastTree or LightGBM.</param>
/// <param name="Seed">Trainer seed.</param>
/// <param name="NumberOfTrees">Boosting iterations.</param>
/// <param name="NumberOfLeaves">Leaves per tree.</param>
/// <param name="MinimumExampleCountPerLeaf">Smallest leaf.</param>
/// <param name="LearningRate">Shrinkage per tree.</param>
internal sealed record TreeSettings(TreeTrainer Trainer, int Seed, int NumberOfTrees, int NumberOfLeaves, int MinimumExampleCountPerLeaf, double LearningRate);

/// <summary>
/// One gradient-boosted regression on a subset of rows, and batch prediction: the building block of the uplift and
/// offer-policy meta-learners (ML.NET has no causal trainer, see docs/decisions/020).
/// </summary>
internal static class TreeRegressor
{
    public static ITransformer Fit(MLContext ml, float[][] features, int featureCount, TreeSettings settings, int[] rows, Func<int, double> label)
    {
        var view = ToDataView(ml, features, featureCount, rows, label);
        IEstimator<ITransformer> trainer = settings.Trainer switch
        {
            TreeTrainer.FastTree => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfTrees = settings.NumberOfTrees,
                NumberOfLeaves = settings.NumberOfLeaves,
                MinimumExampleCountPerLeaf = settings.MinimumExampleCountPerLeaf,
                LearningRate = settings.LearningRate,
                Seed = settings.Seed,
            }),
            TreeTrainer.LightGbm => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                NumberOfIterations = settings.NumberOfTrees,
                NumberOfLeaves = settings.NumberOfLeaves,
                MinimumExampleCountPerLeaf = settings.MinimumExampleCountPerLeaf,
                LearningRate = settings.LearningRate,
                Seed = settings.Seed,
                Deterministic = true,
                Silent = true,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Trainer, "Unknown trainer."),
        };
        return trainer.Fit(view);
    }

    public static double[] Predict(MLContext ml, float[][] features, int featureCount, ITransformer model, int[] rows)
    {
        // Batch Transform instead of a PredictionEngine: faster and nothing to share between threads.
        var scored = model.Transform(ToDataView(ml, features, featureCount, rows, _ => 0));
        return scored.GetColumn<float>("Score").Select(s => (double)s).ToArray();
    }

    private static IDataView ToDataView(MLContext ml, float[][] features, int featureCount, int[] rows, Func<int, double> label)
    {
        // The feature count is known only at run time, so the vector size goes into the schema here.
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        var items = rows.Select(i => new FeatureRow { Features = features[i], Label = (float)label(i) }).ToArray();
        return ml.Data.LoadFromEnumerable(items, schema);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }
}
