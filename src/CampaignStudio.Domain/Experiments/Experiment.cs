namespace CampaignStudio.Domain.Experiments;

/// <summary>An A/B/n test: an audience split into variants, one of which is the control.</summary>
public class Experiment
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Hypothesis { get; set; }
    public ExperimentStatus Status { get; set; }
    public ExperimentSource Source { get; set; }
    public int? AudienceSegmentId { get; set; }
    public PrimaryMetric PrimaryMetric { get; set; }

    /// <summary>Guardrail metrics as JSON (e.g. unsubscribe rate must not rise).</summary>
    public string? GuardrailsJson { get; set; }

    /// <summary>
    /// The sample-size plan the design was saved with (baseline rate, smallest lift worth detecting, alpha, power) as JSON,
    /// so the start confirmation states the power of the audience it is about to assign; null when none was made.
    /// </summary>
    public string? PowerPlanJson { get; set; }

    /// <summary>Share of the audience kept out of all messages long-term (0 for none).</summary>
    public double HoldoutShare { get; set; }

    /// <summary>Days after a send in which a purchase counts as a conversion.</summary>
    public int AttributionWindowDays { get; set; } = 14;

    /// <summary>Salt of the assignment hash: assignment is a pure function of (salt, customer).</summary>
    public string AssignmentSalt { get; set; } = "";

    /// <summary>Fixed weights, or adaptive: sent in rounds whose weights follow the results so far (Thompson sampling).</summary>
    public Allocation Allocation { get; set; }

    /// <summary>Adaptive only: rounds the audience is split into at random, one sent per <see cref="RoundInterval"/>.</summary>
    public int AllocationRounds { get; set; }

    /// <summary>Adaptive only: weights change, and rounds go out, no more often than this.</summary>
    public TimeSpan RoundInterval { get; set; }

    /// <summary>Adaptive only: the first rounds keep equal weights, so every arm has results before the weights move.</summary>
    public int BurnInRounds { get; set; }

    /// <summary>Adaptive only: the smallest share any arm keeps (0.01), so no arm starves and its estimate stays possible.</summary>
    public double FloorPerArm { get; set; }

    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }

    /// <summary>
    /// The shop's gross margin for this experiment's offer values (0.40 = 40 %), when it differs from the studio's setting;
    /// null uses the setting.
    /// </summary>
    public double? GrossMargin { get; set; }

    /// <summary>
    /// The experiment whose policy this one launched ("Launch this policy"): its rows, with their logged propensities, are the
    /// next round of that policy's training data. Null for experiments designed or imported on their own.
    /// </summary>
    public int? LaunchedFromExperimentId { get; set; }

    /// <summary>
    /// A launched round only: what its source's policy promised when it was launched, the doubly-robust value per customer of
    /// the recommended offers minus that of "no message", with its 95 % interval — kept so a later training of the source
    /// (which this round's rows join) does not change the promise the realised value is read against.
    /// </summary>
    public double? PredictedGain { get; set; }

    /// <summary>Lower end of <see cref="PredictedGain"/>'s 95 % interval.</summary>
    public double? PredictedGainLower { get; set; }

    /// <summary>Upper end of <see cref="PredictedGain"/>'s 95 % interval.</summary>
    public double? PredictedGainUpper { get; set; }

    /// <summary>
    /// Winner rollout: the share of the mailable audience that takes part in the test (0.2 = 20 %); the rest waits and,
    /// after <see cref="RolloutWait"/>, receives the winner. Null: no rollout, everyone is in the test.
    /// </summary>
    public double? RolloutTestShare { get; set; }

    /// <summary>Winner rollout: how long after the launch the test is read and the rest released.</summary>
    public TimeSpan RolloutWait { get; set; }

    /// <summary>Winner rollout: how sure the studio must be that the winner beats the control (0.95), else the fallback goes out.</summary>
    public double RolloutConfidence { get; set; }

    /// <summary>Winner rollout: the arm the rest receives when no arm wins (its name); null for the control.</summary>
    public string? RolloutFallbackArm { get; set; }

    /// <summary>Winner rollout: when the winner was chosen (and the rest released); null while the test runs.</summary>
    public DateTime? RolloutDecidedAt { get; set; }

    /// <summary>Winner rollout: the arm the rest received.</summary>
    public int? RolloutWinnerVariantId { get; set; }

    /// <summary>Winner rollout: the decision and why, in words, as the pages show it.</summary>
    public string? RolloutDecision { get; set; }

    public List<Variant> Variants { get; set; } = [];
}

public enum ExperimentStatus
{
    Draft,
    Running,
    Finished,
    Archived,
}

/// <summary>How an experiment shares its audience among the arms.</summary>
public enum Allocation
{
    /// <summary>The design's weights, for everyone at once.</summary>
    Fixed,

    /// <summary>Rounds sent at an interval; before each, the weights move towards the arms doing best so far.</summary>
    Adaptive,
}

public enum ExperimentSource
{
    /// <summary>Run by the studio's own campaigns.</summary>
    Campaign,

    /// <summary>Results imported from a CSV.</summary>
    Imported,

    /// <summary>Generated with known true effects (the demo shop).</summary>
    Simulated,
}

public enum PrimaryMetric
{
    Conversion,
    RevenuePerCustomer,
    Click,
    Visit,
}

/// <summary>One arm of an experiment: an e-mail variant or "no message".</summary>
public class Variant
{
    public int Id { get; set; }
    public int ExperimentId { get; set; }
    public Experiment? Experiment { get; set; }
    public string Name { get; set; } = "";
    public bool IsControl { get; set; }

    /// <summary>The long-term holdout arm: never messaged while the experiment lives.</summary>
    public bool IsHoldout { get; set; }

    public double Weight { get; set; } = 1;

    /// <summary>The e-mail this arm receives; null means "no message".</summary>
    public int? EmailTemplateId { get; set; }

    public int SortOrder { get; set; }

    /// <summary>Discount the offer gives, as a share of the order value it is used on (0.10 for "10 % off").</summary>
    public double DiscountShare { get; set; }

    /// <summary>Fixed cost of each message the arm sends (sending, the mail provider).</summary>
    public double MessageCost { get; set; }

    /// <summary>Fixed cost of each order that redeems the offer (free shipping, handling).</summary>
    public double RedemptionCost { get; set; }

    /// <summary>Whether the arm sends a message; null when never stated (see <see cref="SendsAMessage"/>).</summary>
    public bool? SendsMessage { get; set; }

    /// <summary>
    /// Whether the arm sends a message: as stated, else every arm but the control and the holdout (the "no message" arms
    /// of studio tests and of imported files alike), so arms from before costs existed need no data change.
    /// </summary>
    public bool SendsAMessage => SendsMessage ?? !(IsControl || IsHoldout);
}

/// <summary>Which variant a customer (or an imported result row) is in, with the outcomes measured for it.</summary>
public class Assignment
{
    public long Id { get; set; }
    public int ExperimentId { get; set; }
    public int VariantId { get; set; }

    /// <summary>The customer; null for rows of an imported results file that name no studio customer.</summary>
    public long? CustomerId { get; set; }

    public DateTime AssignedAt { get; set; }

    public bool? Visited { get; set; }
    public bool? Clicked { get; set; }
    public bool? Converted { get; set; }
    public decimal? Revenue { get; set; }

    /// <summary>Pre-period value of the metric, for CUPED variance reduction.</summary>
    public double? PrePeriodValue { get; set; }

    /// <summary>Covariates of an imported row (JSON), used to train uplift models.</summary>
    public string? CovariatesJson { get; set; }

    /// <summary>The true effect on conversion probability; known only for simulated experiments.</summary>
    public double? TrueEffect { get; set; }

    /// <summary>The row's id in an imported results file (its id column), returned in every per-row export.</summary>
    public string? RowKey { get; set; }

    /// <summary>
    /// The share the assigned arm had when this customer was assigned (the design's share, or the adaptive round's weight):
    /// what an unbiased read-out weights the customer by; null for rows imported without one.
    /// </summary>
    public double? Propensity { get; set; }

    /// <summary>
    /// A launched round only: the arm (variant) the policy gave this customer before the holdout and exploration draw; the
    /// realised value of the policy is read from the customers who got it. Null elsewhere.
    /// </summary>
    public int? PolicyVariantId { get; set; }
}
