using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Training.Uplift;

/// <summary>What to train: which arm counts as treated, which outcome, which trees.</summary>
/// <param name="TreatmentArm">The arm compared with control; null pools every non-control arm (the holdout never counts).</param>
/// <param name="Metric">Outcome to model; null uses the experiment's primary metric.</param>
/// <param name="Trainer">FastTree or LightGbm base models.</param>
/// <param name="NumberOfTrees">Boosting iterations per base model.</param>
/// <param name="Folds">Cross-fitting folds.</param>
public sealed record UpliftRequest(string? TreatmentArm = null, PrimaryMetric? Metric = null, TreeTrainer Trainer = TreeTrainer.FastTree, int NumberOfTrees = 100, int Folds = 3);

/// <summary>The learners trained for every experiment, as keys in results and the scores CSV.</summary>
public static class Learners
{
    public const string TLearner = "t_learner";
    public const string XLearner = "x_learner";
    public const string ClassTransformation = "class_transformation";

    public static readonly IReadOnlyList<string> All = [TLearner, XLearner, ClassTransformation];

    public static string Label(string key) => key switch
    {
        TLearner => "T-learner",
        XLearner => "X-learner",
        ClassTransformation => "Class transformation (baseline)",
        _ => key,
    };
}

/// <summary>How one learner did on held-out customers.</summary>
public sealed record LearnerResult(string Key, string Label, UpliftCurves Curves, IReadOnlyList<GroupEffect> Deciles, double Seconds);

/// <summary>
/// A finished uplift training, kept as a file next to the database: per learner the evaluation, and per customer the
/// out-of-fold scores, so the page, the targeting slider, the fairness panel and the scores CSV need no retraining.
/// </summary>
public sealed record UpliftResult
{
    public int ExperimentId { get; init; }
    public DateTime TrainedAt { get; init; }
    public UpliftRequest Request { get; init; } = new();
    public string OutcomeLabel { get; init; } = "";
    public string TreatmentLabel { get; init; } = "";
    public string ControlLabel { get; init; } = "";
    public IReadOnlyList<string> FeatureNames { get; init; } = [];
    public IReadOnlyList<LearnerResult> Learners { get; init; } = [];

    /// <summary>The learner with the highest Qini coefficient: the default for targeting.</summary>
    public string BestLearner { get; init; } = Uplift.Learners.TLearner;

    public long[] AssignmentIds { get; init; } = [];
    public long?[] CustomerIds { get; init; } = [];
    public bool[] Treated { get; init; } = [];
    public double[] Outcome { get; init; } = [];

    /// <summary>Out-of-fold uplift score per learner key, one per customer.</summary>
    public IReadOnlyDictionary<string, double[]> Scores { get; init; } = new Dictionary<string, double[]>();

    /// <summary>Out-of-fold purchase propensity (control-trained), for "target likely buyers" comparisons.</summary>
    public double[] Propensity { get; init; } = [];

    /// <summary>Group label per customer for each attribute (gender, age band, country, covariate bands).</summary>
    public IReadOnlyDictionary<string, string[]> Groups { get; init; } = new Dictionary<string, string[]>();

    public int Count => Treated.Length;

    public bool HasStudioCustomers => CustomerIds.Any(c => c is not null);
}
