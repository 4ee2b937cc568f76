using CampaignStudio.Analytics.Uplift;
using Microsoft.ML;

namespace CampaignStudio.Analytics.Offers;

/// <summary>A learned "which offer for whom" policy, its honest evaluation and the recommendation.</summary>
/// <param name="ExpectedValues">Per customer the expected value of every arm, [customer][arm], out-of-fold.</param>
/// <param name="LearnedAssignment">Per customer the arm with the highest expected value.</param>
/// <param name="RecommendedAssignment">Per customer the arm to send: the learned one, or the best single arm for everyone.</param>
/// <param name="Folds">Fold (0-based) each customer was held out in.</param>
/// <param name="Evaluation">Doubly-robust values of the policy and of each arm, with the recommendation.</param>
public sealed record OfferPolicy(
    double[][] ExpectedValues,
    int[] LearnedAssignment,
    int[] RecommendedAssignment,
    int[] Folds,
    PolicyEvaluation Evaluation);

/// <summary>
/// Learns per customer the expected value of every offer of a randomized multi-arm experiment, picks the best offer per
/// customer, and evaluates that policy on customers the models did not see (K-fold cross-fitting).
/// </summary>
/// <remarks>
/// Base models are ML.NET regressions on the value (after discount and costs), so the policy ranks offers by what the shop
/// keeps. The arms' shares of the random draw are the known propensities: the X-learner's blend and the DR pseudo-outcome
/// use them directly (see docs/decisions/042). One <c>MLContext(seed)</c> per call: same seed, same policy.
/// </remarks>
public static class OfferPolicyTrainer
{
    /// <summary>Trains, assigns and evaluates.</summary>
    public static OfferPolicy Train(OfferExperiment data, OfferPolicyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new OfferPolicyOptions();
        if (options.Folds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Cross-fitting needs at least two folds.");
        }

        var ml = new MLContext(options.Seed);
        var folds = AssignFolds(data, options);
        var heldOut = Enumerable.Range(0, options.Folds).Select(k => Rows(folds, k, true)).ToArray();
        var training = Enumerable.Range(0, options.Folds).Select(k => Rows(folds, k, false)).ToArray();

        // Stage 1 (every learner): one value model per arm, predicted out-of-fold. It is the T-learner and the
        // outcome model of the DR evaluation.
        var outcome = NewMatrix(data.Count, data.ArmCount);
        var stage1 = new ITransformer[options.Folds][];
        for (var k = 0; k < options.Folds; k++)
        {
            stage1[k] = new ITransformer[data.ArmCount];
            for (var a = 0; a < data.ArmCount; a++)
            {
                var armRows = training[k].Where(i => data.Arm[i] == a).ToArray();
                if (armRows.Length == 0)
                {
                    throw new ArgumentException($"Every training fold needs customers in \"{data.ArmNames[a]}\".", nameof(data));
                }

                stage1[k][a] = Fit(ml, data, options, armRows, i => data.Value[i]);
                Scatter(outcome, a, heldOut[k], Predict(ml, data, stage1[k][a], heldOut[k]));
            }
        }

        var expected = options.Learner switch
        {
            OfferLearner.TLearner => outcome.Select(r => (double[])r.Clone()).ToArray(),
            OfferLearner.XLearner => XLearner(ml, data, options, outcome, stage1, training, heldOut),
            OfferLearner.DrLearner => DrLearner(ml, data, options, outcome, training, heldOut),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Learner, "Unknown learner."),
        };

        var learned = expected.Select(ArgMax).ToArray();
        var evaluation = PolicyEvaluator.Evaluate(data, outcome, learned, options.Confidence);
        var recommended = evaluation.Recommendation.UseLearnedPolicy
            ? learned
            : Enumerable.Repeat(evaluation.BestSingleArm, data.Count).ToArray();
        return new OfferPolicy(expected, learned, recommended, folds, evaluation);
    }

    private static double[][] XLearner(
        MLContext ml, OfferExperiment data, OfferPolicyOptions options, double[][] outcome, ITransformer[][] stage1, int[][] training, int[][] heldOut)
    {
        var c = data.ControlArm;
        var expected = NewMatrix(data.Count, data.ArmCount);
        for (var k = 0; k < heldOut.Length; k++)
        {
            var control = training[k].Where(i => data.Arm[i] == c).ToArray();
            var mu0OnArm = new Dictionary<int, double[]>();
            for (var a = 0; a < data.ArmCount; a++)
            {
                if (a == c)
                {
                    continue;
                }

                // Imputed gains on the training folds, each arm against the other arm's stage-1 model.
                var treated = training[k].Where(i => data.Arm[i] == a).ToArray();
                var imputed = new Dictionary<int, double>(treated.Length + control.Length);
                var mu0 = Predict(ml, data, stage1[k][c], treated);
                for (var j = 0; j < treated.Length; j++)
                {
                    imputed[treated[j]] = data.Value[treated[j]] - mu0[j];
                }

                var mu1 = Predict(ml, data, stage1[k][a], control);
                for (var j = 0; j < control.Length; j++)
                {
                    imputed[control[j]] = mu1[j] - data.Value[control[j]];
                }

                var tau1 = Predict(ml, data, Fit(ml, data, options, treated, i => imputed[i]), heldOut[k]);
                var tau0 = Predict(ml, data, Fit(ml, data, options, control, i => imputed[i]), heldOut[k]);

                // g = the arm's share within the pair (known from the design, not modelled). With logged propensities
                // the blend keeps the average shares: g only weighs two consistent estimates, it does not debias.
                var g = data.ArmShares[a] / (data.ArmShares[a] + data.ArmShares[c]);
                Scatter(expected, a, heldOut[k], tau1.Select((t, j) => g * tau0[j] + (1 - g) * t).ToArray());
            }
        }

        return AddControl(data, outcome, expected);
    }

    private static double[][] DrLearner(
        MLContext ml, OfferExperiment data, OfferPolicyOptions options, double[][] outcome, int[][] training, int[][] heldOut)
    {
        var c = data.ControlArm;
        var expected = NewMatrix(data.Count, data.ArmCount);
        for (var a = 0; a < data.ArmCount; a++)
        {
            if (a == c)
            {
                continue;
            }

            // AIPW pseudo-outcome of the gain of arm a over control; its expectation given x is the true gain.
            // The value models in it are out-of-fold (cross-fitted nuisances, as the DR-learner asks).
            var pseudo = new double[data.Count];
            for (var i = 0; i < data.Count; i++)
            {
                var m = outcome[i];
                pseudo[i] = m[a] - m[c]
                    + (data.Arm[i] == a ? (data.Value[i] - m[a]) / data.Propensity[i] : 0)
                    - (data.Arm[i] == c ? (data.Value[i] - m[c]) / data.Propensity[i] : 0);
            }

            for (var k = 0; k < heldOut.Length; k++)
            {
                var model = Fit(ml, data, options, training[k], i => pseudo[i]);
                Scatter(expected, a, heldOut[k], Predict(ml, data, model, heldOut[k]));
            }
        }

        return AddControl(data, outcome, expected);
    }

    /// <summary>Gains over control become values: value of arm a = control's value model + gain; control keeps its own.</summary>
    private static double[][] AddControl(OfferExperiment data, double[][] outcome, double[][] gains)
    {
        var c = data.ControlArm;
        for (var i = 0; i < data.Count; i++)
        {
            for (var a = 0; a < data.ArmCount; a++)
            {
                gains[i][a] = a == c ? outcome[i][c] : outcome[i][c] + gains[i][a];
            }
        }

        return gains;
    }

    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var a = 1; a < values.Length; a++)
        {
            if (values[a] > values[best])
            {
                best = a;
            }
        }

        return best;
    }

    /// <summary>Stratified by arm so every fold keeps the design's shares.</summary>
    private static int[] AssignFolds(OfferExperiment data, OfferPolicyOptions options)
    {
        var random = new Random(options.Seed);
        var folds = new int[data.Count];
        for (var a = 0; a < data.ArmCount; a++)
        {
            var rows = Enumerable.Range(0, data.Count).Where(i => data.Arm[i] == a).ToArray();
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

    private static double[][] NewMatrix(int rows, int columns) =>
        Enumerable.Range(0, rows).Select(_ => new double[columns]).ToArray();

    private static void Scatter(double[][] matrix, int column, int[] rows, double[] values)
    {
        for (var j = 0; j < rows.Length; j++)
        {
            matrix[rows[j]][column] = values[j];
        }
    }

    private static ITransformer Fit(MLContext ml, OfferExperiment data, OfferPolicyOptions options, int[] rows, Func<int, double> label) =>
        TreeRegressor.Fit(ml, data.Features, data.FeatureNames.Count, options.Trees, rows, label);

    private static double[] Predict(MLContext ml, OfferExperiment data, ITransformer model, int[] rows) =>
        TreeRegressor.Predict(ml, data.Features, data.FeatureNames.Count, model, rows);
}
