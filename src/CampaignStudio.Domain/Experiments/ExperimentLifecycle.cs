namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// What an experiment may still do, in one place: the start, the design's edit, their pages and their endpoints all ask
/// here. Assignments are the record of who got what (decision 044's launch writes them at once), so an experiment with
/// any is past the point where its arms or its split may change, whatever its status says.
/// </summary>
public static class ExperimentLifecycle
{
    /// <summary>Why a draft whose customers are already assigned (a launched policy's round) can be neither started nor edited.</summary>
    public const string AssignedAtCreation =
        "Its customers were assigned when the policy was launched: it starts by itself when its campaign sends, and its arms can no longer change.";

    /// <summary>Why the experiment cannot be started; null when it can (a draft with nobody assigned yet).</summary>
    public static string? WhyNotStartable(ExperimentStatus status, bool hasAssignments) =>
        status != ExperimentStatus.Draft ? "Only a draft can be started."
        : hasAssignments ? AssignedAtCreation
        : null;

    /// <summary>Why the design (arms, weights, audience, metric) cannot change; null when it can (a draft with nobody assigned yet).</summary>
    public static string? WhyDesignIsFixed(ExperimentStatus status, bool hasAssignments) =>
        status != ExperimentStatus.Draft ? "Only a draft can be changed: customers are already assigned to this experiment's arms."
        : hasAssignments ? AssignedAtCreation
        : null;

    /// <summary>Whether the experiment waits for its campaign with its customers already assigned (shown instead of "Draft").</summary>
    public static bool WaitsForItsCampaign(ExperimentStatus status, bool hasAssignments) => status == ExperimentStatus.Draft && hasAssignments;
}
