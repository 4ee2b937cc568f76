using CampaignStudio.Analytics.Offers;

namespace CampaignStudio.Training.Offers;

/// <summary>Who gets one offer under the recommended assignment: how many, and what they look like on average.</summary>
/// <param name="Arm">The offer.</param>
/// <param name="Customers">Customers the recommendation gives it.</param>
/// <param name="Share">Their share of all customers.</param>
/// <param name="LearnedShare">Share the learned policy (one offer per customer) gives it, whether or not it is recommended.</param>
/// <param name="FeatureMeans">Mean of each feature among them (feature name → mean), the "profile" of who gets it.</param>
public sealed record OfferShare(string Arm, int Customers, double Share, double LearnedShare, IReadOnlyDictionary<string, double> FeatureMeans);

/// <summary>
/// A finished "which offer for whom" training, kept as a file next to the database like the uplift results: the evaluation
/// and recommendation, and per row the offer, so the page, the fairness panel and policy.csv need no retraining.
/// </summary>
public sealed record OfferPolicyResult
{
    public int ExperimentId { get; init; }
    public DateTime TrainedAt { get; init; }

    /// <summary>The gross margin the values were computed with.</summary>
    public double Margin { get; init; }

    public IReadOnlyList<string> ArmNames { get; init; } = [];

    /// <summary>Index of the control ("no message") arm the gains are measured from.</summary>
    public int ControlArm { get; init; }

    /// <summary>Each arm's costs as they were at training.</summary>
    public IReadOnlyList<OfferCosts> Costs { get; init; } = [];

    public IReadOnlyList<string> FeatureNames { get; init; } = [];

    /// <summary>The doubly-robust values, the comparison and the recommendation with its reason.</summary>
    public PolicyEvaluation Evaluation { get; init; } = default!;

    public IReadOnlyList<OfferShare> Shares { get; init; } = [];

    public long[] AssignmentIds { get; init; } = [];

    /// <summary>Per row the arm the studio recommends sending (the learned one, or the best single arm for everyone).</summary>
    public int[] Recommended { get; init; } = [];

    /// <summary>Per row the arm with the highest expected value.</summary>
    public int[] Learned { get; init; } = [];

    /// <summary>Per row and arm the out-of-fold expected value, [row][arm].</summary>
    public double[][] ExpectedValues { get; init; } = [];

    /// <summary>Group label per row for each attribute, for the fairness panel.</summary>
    public IReadOnlyDictionary<string, string[]> Groups { get; init; } = new Dictionary<string, string[]>();

    public int Count => AssignmentIds.Length;

    /// <summary>Rows the policy was trained and evaluated on: the experiment's own and those of the rounds launched from it.</summary>
    public int TrainingRows { get; init; }

    /// <summary>Of <see cref="TrainingRows"/>, the rows of rounds launched from the experiment (weighted by their logged chances).</summary>
    public int RoundRows { get; init; }

    /// <summary>The policy as the analytics functions take it.</summary>
    public OfferPolicy AsPolicy() => new(ExpectedValues, Learned, Recommended, [], Evaluation);
}
