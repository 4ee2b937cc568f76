namespace CampaignStudio.Web.Features.Experiments.Uplift;

/// <summary>State of a training job for the page's progress bar.</summary>
public sealed record UpliftJobStatus(bool Running, double Progress, string Stage, string? Error, bool Cancelled);

/// <summary>The segment "target the top X %" created, and its holdout.</summary>
public sealed record UpliftSegmentResult(int SegmentId, int HoldoutSegmentId, int Targeted, int HeldOut);
