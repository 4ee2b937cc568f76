namespace CampaignStudio.Analytics.Uplift;

/// <summary>How per-customer uplift is estimated.</summary>
public enum UpliftLearner
{
    /// <summary>Two models, one per arm; uplift = treated model − control model.</summary>
    TLearner,

    /// <summary>
    /// Künzel et al.'s X-learner: arm models impute each customer's individual effect, two effect models
    /// are fitted on those, and blended by the treatment share.
    /// </summary>
    XLearner,

    /// <summary>
    /// Class transformation baseline in its transformed-outcome form: one model on
    /// Y·(T − e)/(e(1 − e)), whose expectation is the uplift. Equals Jaskowski–Jaroszewicz when e = 0.5.
    /// </summary>
    ClassTransformation,
}

/// <summary>Which ML.NET gradient-boosted tree trainer the learners are built from.</summary>
public enum TreeTrainer
{
    /// <summary>ML.NET FastTree (managed MART).</summary>
    FastTree,

    /// <summary>LightGBM through Microsoft.ML.LightGbm (native).</summary>
    LightGbm,
}

/// <summary>Training settings for uplift models.</summary>
/// <param name="Learner">Meta-learner.</param>
/// <param name="Trainer">Base tree trainer.</param>
/// <param name="Folds">Cross-fitting folds: every customer is scored by models that never saw them.</param>
/// <param name="Seed">Seed of the fold split, the MLContext and the trainers: same seed, same scores.</param>
/// <param name="NumberOfTrees">Boosting iterations per base model.</param>
/// <param name="NumberOfLeaves">Leaves per tree.</param>
/// <param name="MinimumExampleCountPerLeaf">Smallest leaf; large leaves keep noisy 1–2 % conversion data from overfitting.</param>
/// <param name="LearningRate">Shrinkage per tree.</param>
/// <remarks>
/// The defaults (100 trees × 20 leaves, leaves of ≥ 50 customers) keep a Hillstrom-size experiment
/// (64k customers, ~10 covariates) to a few seconds per learner on two cores, and are enough capacity for
/// the weak, low-dimensional signal uplift data carries.
/// </remarks>
public sealed record UpliftTrainingOptions(
    UpliftLearner Learner = UpliftLearner.TLearner,
    TreeTrainer Trainer = TreeTrainer.FastTree,
    int Folds = 3,
    int Seed = 42,
    int NumberOfTrees = 100,
    int NumberOfLeaves = 20,
    int MinimumExampleCountPerLeaf = 50,
    double LearningRate = 0.1);
