namespace CampaignStudio.Domain.Flows;

/// <summary>
/// The flow state machine: every status change a flow may make, in one table, each with the sentence that says why it is
/// refused from a status it is not allowed from. The editor, the API and any other host ask this table; none decides on its
/// own which "from" states are fine (docs/decisions/053-flows.md, "Editor and lifecycle").
/// </summary>
public static class FlowLifecycle
{
    /// <summary>
    /// A draft version goes live: the first switch-on of a draft flow, or a new version of a live one. A paused flow is
    /// resumed first, so nobody is moved on by a publish they did not see coming.
    /// </summary>
    public static readonly FlowMove Publish = new(nameof(Publish), FlowStatus.Live, [FlowStatus.Draft, FlowStatus.Live], new Dictionary<FlowStatus, string>
    {
        [FlowStatus.Paused] = "The flow is paused: resume it first, then publish the new version.",
        [FlowStatus.Archived] = "An archived flow cannot be switched on again; start a new flow instead.",
    });

    /// <summary>Nobody new enters and nobody moves on.</summary>
    public static readonly FlowMove Pause = new(nameof(Pause), FlowStatus.Paused, [FlowStatus.Live], new Dictionary<FlowStatus, string>(), "Only a live flow can be paused.");

    public static readonly FlowMove Resume = new(nameof(Resume), FlowStatus.Live, [FlowStatus.Paused], new Dictionary<FlowStatus, string>(), "Only a paused flow can be resumed.");

    /// <summary>Switched off for good; only a flow that was live (its sends stay in the reports). A draft is deleted instead.</summary>
    public static readonly FlowMove Archive = new(nameof(Archive), FlowStatus.Archived, [FlowStatus.Live, FlowStatus.Paused], new Dictionary<FlowStatus, string>
    {
        [FlowStatus.Draft] = "This flow was never live: delete it instead.",
        [FlowStatus.Archived] = "The flow is already archived.",
    });

    /// <summary>The table: every move a flow can make. (Deleting a never-published draft is not a move: the flow is gone.)</summary>
    public static IReadOnlyList<FlowMove> Moves { get; } = [Publish, Pause, Resume, Archive];

    /// <summary>Whether a flow in <paramref name="from"/> may move to <paramref name="to"/> by any move of the table.</summary>
    public static bool Allows(FlowStatus from, FlowStatus to) => Moves.Any(m => m.To == to && m.From.Contains(from));

    /// <summary>Why the flow's draft version may not be changed (null: it may): an archived flow is kept as it was.</summary>
    public static string? EditRefusal(FlowStatus status) =>
        status == FlowStatus.Archived ? "An archived flow cannot be changed; start a new flow instead." : null;

    /// <summary>Why the flow may not be deleted (null: it may): only a flow never switched on goes; one that was live is archived.</summary>
    public static string? DeleteRefusal(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return flow.LiveVersionId is not null || flow.Status != FlowStatus.Draft
            ? "This flow has been live: archive it instead, so its sends stay in the reports."
            : null;
    }
}

/// <summary>One named move of <see cref="FlowLifecycle"/>: to one status, from the statuses it is allowed from.</summary>
public sealed class FlowMove
{
    private readonly IReadOnlyDictionary<FlowStatus, string> _refusals;
    private readonly string? _otherwise;

    internal FlowMove(string name, FlowStatus to, FlowStatus[] from, IReadOnlyDictionary<FlowStatus, string> refusals, string? otherwise = null)
    {
        Name = name;
        To = to;
        From = from;
        _refusals = refusals;
        _otherwise = otherwise;
    }

    public string Name { get; }

    public FlowStatus To { get; }

    public IReadOnlyList<FlowStatus> From { get; }

    public bool IsAllowedFrom(FlowStatus status) => From.Contains(status);

    /// <summary>Why the move is refused for a flow in <paramref name="status"/>, in words; null when it is allowed.</summary>
    public string? RefusalFrom(FlowStatus status) => IsAllowedFrom(status) ? null
        : _refusals.GetValueOrDefault(status) ?? _otherwise ?? $"A flow cannot move from {status} to {To}.";

    public override string ToString() => $"{Name} ({string.Join("/", From)} → {To})";
}
