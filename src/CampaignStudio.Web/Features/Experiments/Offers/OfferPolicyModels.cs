namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>Where a policy training stands.</summary>
public enum OfferPolicyState
{
    Queued,
    Running,
    Done,
    Failed,
}

/// <summary>State of a training job for the page and GET /policy.</summary>
public sealed record OfferPolicyStatus(OfferPolicyState State, double Progress, string Stage, string? Error);
