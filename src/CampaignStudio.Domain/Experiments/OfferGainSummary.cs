namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// Per offer of an experiment, what its stored predictions (<see cref="PredictedOfferGain"/>) add up to: how many customers
/// they score and how many the offer pays for. Written in the same transaction as the predictions, so the flow editor's
/// offer list reads a handful of rows instead of grouping millions of predictions on every open.
/// </summary>
public sealed class OfferGainSummary
{
    public int ExperimentId { get; set; }

    /// <summary>The offer (an arm that is not the control arm).</summary>
    public int VariantId { get; set; }

    /// <summary>The training run whose predictions are summed up.</summary>
    public long TrainingRunId { get; set; }

    /// <summary>Customers with a prediction for the offer.</summary>
    public int Scored { get; set; }

    /// <summary>Of them, those whose predicted gain is positive.</summary>
    public int Pays { get; set; }
}
