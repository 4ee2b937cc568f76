using Microsoft.ML;

namespace CampaignStudio.Analytics.Uplift;

/// <summary>Out-of-fold predictions of a cross-fitted model: one score per customer.</summary>
/// <param name="Scores">Predicted uplift (or propensity) per customer, from a model that did not see that customer.</param>
/// <param name="Folds">Fold (0-based) each customer was held out in.</param>
public sealed record CrossFittedScores(double[] Scores, int[] Folds);

/// <summary>
/// Trains per-customer uplift models on a finished experiment. ML.NET has no uplift trainer, so the
/// meta-learners are composed from its gradient-boosted regression trees (see docs/decisions).
/// Every score is out-of-fold (K-fold cross-fitting), so evaluating on the same customers is honest.
/// </summary>
/// <remarks>
/// All base models are regressions (squared loss). On 0/1 outcomes a regression tree's leaf value is the
/// conversion rate of the leaf, i.e. an estimate of P(convert | x), so one code path serves conversions and
/// revenue. A fresh <c>MLContext(seed)</c> per call makes results reproducible, and as each call owns its
/// context, concurrent calls do not interfere.
/// </remarks>
public static class UpliftTrainer
{
    /// <summary>Cross-fitted uplift scores for every customer.</summary>
    public static CrossFittedScores CrossFit(UpliftDataset data, UpliftTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new UpliftTrainingOptions();
        return CrossFitFolds(data, options, (ml, train, test) =>
        {
            var treatedTrain = train.Where(i => data.Treated[i]).ToArray();
            var controlTrain = train.Where(i => !data.Treated[i]).ToArray();
            if (treatedTrain.Length == 0 || controlTrain.Length == 0)
            {
                throw new ArgumentException("Every training fold needs treated and control customers.", nameof(data));
            }

            return options.Learner switch
            {
                UpliftLearner.TLearner => TLearner(ml, data, options, treatedTrain, controlTrain, test),
                UpliftLearner.XLearner => XLearner(ml, data, options, treatedTrain, controlTrain, test),
                UpliftLearner.ClassTransformation => TransformedOutcome(ml, data, options, train, treatedTrain.Length, test),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Learner, "Unknown learner."),
            };
        });
    }

    /// <summary>
    /// Cross-fitted purchase propensity P(outcome | x) learned from control customers only: how likely a
    /// customer is to buy without the e-mail. Targeting by this score is the classic "response model" that
    /// uplift modelling is compared with; training on control alone keeps the treatment effect out of it.
    /// </summary>
    public static CrossFittedScores CrossFitPropensity(UpliftDataset data, UpliftTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new UpliftTrainingOptions();
        return CrossFitFolds(data, options, (ml, train, test) =>
        {
            var controlTrain = train.Where(i => !data.Treated[i]).ToArray();
            var model = Fit(ml, data, options, controlTrain, i => data.Outcome[i]);
            return Predict(ml, data, model, test);
        });
    }

    /// <summary>
    /// The cross-fitting loop shared by every learner: each fold's customers are scored by a model trained on the
    /// other folds, so no score comes from a model that saw that customer.
    /// </summary>
    private static CrossFittedScores CrossFitFolds(UpliftDataset data, UpliftTrainingOptions options, Func<MLContext, int[], int[], double[]> scoreFold)
    {
        var ml = new MLContext(options.Seed);
        var folds = AssignFolds(data.Treated, options);
        var scores = new double[data.Count];
        for (var k = 0; k < options.Folds; k++)
        {
            var test = Rows(folds, k, heldOut: true);
            var foldScores = scoreFold(ml, Rows(folds, k, heldOut: false), test);
            for (var j = 0; j < test.Length; j++)
            {
                scores[test[j]] = foldScores[j];
            }
        }

        return new CrossFittedScores(scores, folds);
    }

    private static double[] TLearner(
        MLContext ml, UpliftDataset data, UpliftTrainingOptions options, int[] treated, int[] control, int[] test)
    {
        var mu1 = Fit(ml, data, options, treated, i => data.Outcome[i]);
        var mu0 = Fit(ml, data, options, control, i => data.Outcome[i]);
        var p1 = Predict(ml, data, mu1, test);
        var p0 = Predict(ml, data, mu0, test);
        return p1.Select((v, j) => v - p0[j]).ToArray();
    }

    private static double[] XLearner(
        MLContext ml, UpliftDataset data, UpliftTrainingOptions options, int[] treated, int[] control, int[] test)
    {
        // Stage 1: outcome models per arm (on the training folds only).
        var mu1 = Fit(ml, data, options, treated, i => data.Outcome[i]);
        var mu0 = Fit(ml, data, options, control, i => data.Outcome[i]);

        // Stage 2: imputed individual effects, each arm against the other arm's model.
        var mu0OnTreated = Predict(ml, data, mu0, treated);
        var mu1OnControl = Predict(ml, data, mu1, control);
        var imputed = new double[data.Count];
        for (var j = 0; j < treated.Length; j++)
        {
            imputed[treated[j]] = data.Outcome[treated[j]] - mu0OnTreated[j];
        }

        for (var j = 0; j < control.Length; j++)
        {
            imputed[control[j]] = mu1OnControl[j] - data.Outcome[control[j]];
        }

        var tau1 = Fit(ml, data, options, treated, i => imputed[i]);
        var tau0 = Fit(ml, data, options, control, i => imputed[i]);

        // Blend with g = treatment share: in a randomised test the propensity is constant, so it is not modelled.
        var g = (double)treated.Length / (treated.Length + control.Length);
        var t1 = Predict(ml, data, tau1, test);
        var t0 = Predict(ml, data, tau0, test);
        return t1.Select((v, j) => g * t0[j] + (1 - g) * v).ToArray();
    }

    private static double[] TransformedOutcome(
        MLContext ml, UpliftDataset data, UpliftTrainingOptions options, int[] train, int treatedCount, int[] test)
    {
        var e = (double)treatedCount / train.Length;
        var model = Fit(ml, data, options, train, i => data.Outcome[i] * ((data.Treated[i] ? 1 : 0) - e) / (e * (1 - e)));
        return Predict(ml, data, model, test);
    }

    /// <summary>Stratified by arm so every fold keeps the experiment's treated/control ratio.</summary>
    private static int[] AssignFolds(bool[] treated, UpliftTrainingOptions options)
    {
        if (options.Folds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Cross-fitting needs at least two folds.");
        }

        var random = new Random(options.Seed);
        var folds = new int[treated.Length];
        foreach (var arm in new[] { true, false })
        {
            var rows = Enumerable.Range(0, treated.Length).Where(i => treated[i] == arm).ToArray();
            random.Shuffle(rows);
            for (var j = 0; j < rows.Length; j++)
            {
                folds[rows[j]] = j % options.Folds;
            }
        }

        return folds;
    }

    private static int[] Rows(int[] folds, int k, bool heldOut) =>
        Enumerable.Range(0, folds.Length).Where(i => (folds[i] == k) == heldOut).ToArray();

    private static ITransformer Fit(MLContext ml, UpliftDataset data, UpliftTrainingOptions options, int[] rows, Func<int, double> label) =>
        TreeRegressor.Fit(ml, data.Features, data.FeatureNames.Count, Settings(options), rows, label);

    private static double[] Predict(MLContext ml, UpliftDataset data, ITransformer model, int[] rows) =>
        TreeRegressor.Predict(ml, data.Features, data.FeatureNames.Count, model, rows);

    private static TreeSettings Settings(UpliftTrainingOptions o) =>
        new(o.Trainer, o.Seed, o.NumberOfTrees, o.NumberOfLeaves, o.MinimumExampleCountPerLeaf, o.LearningRate);
}
