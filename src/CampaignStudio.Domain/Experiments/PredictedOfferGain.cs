namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// One customer's predicted gain from one offer, as the experiment's latest trained offer policy predicts it: the expected
/// value with the offer minus the expected value with no message (the control arm), both net of the offers' discounts and
/// costs (decision 042's value). Written whole when an offer-policy training finishes, replacing the previous run's rows of
/// the experiment, so a flow's condition reads "does this offer pay for this customer?" with one indexed query.
/// </summary>
public sealed class PredictedOfferGain
{
    public int ExperimentId { get; set; }

    /// <summary>The offer (an arm that is not the control arm).</summary>
    public int VariantId { get; set; }

    public long CustomerId { get; set; }

    /// <summary>The training run (<see cref="TrainingRun"/>, kind offers) whose policy made the prediction.</summary>
    public long TrainingRunId { get; set; }

    /// <summary>Predicted gain per customer in money; positive when the offer is expected to pay for itself.</summary>
    public double Gain { get; set; }
}
