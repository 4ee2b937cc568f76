namespace CampaignStudio.Domain.Flows;

/// <summary>
/// A flow definition indexed by step id: the step itself and the step that follows it in its list (null at the end of a
/// branch). The engine walks a customer with <see cref="Step"/> and <see cref="After"/>; a branch is entered at its first step.
/// </summary>
public sealed class FlowMap
{
    private readonly Dictionary<string, (FlowStep Step, string? Next)> _steps = new(StringComparer.Ordinal);

    public FlowMap(FlowDefinition definition)
    {
        Definition = definition;
        Add(definition.Steps);
    }

    public FlowDefinition Definition { get; }

    /// <summary>The first step a new customer goes to.</summary>
    public string? First => FirstOf(Definition.Steps);

    public IEnumerable<FlowStep> Steps => _steps.Values.Select(v => v.Step);

    public FlowStep? Step(string id) => _steps.TryGetValue(id, out var s) ? s.Step : null;

    /// <summary>The id of the step after <paramref name="id"/> in its list; null when the branch ends there.</summary>
    public string? After(string id) => _steps.TryGetValue(id, out var s) ? s.Next : null;

    public static string? FirstOf(IReadOnlyList<FlowStep> steps) => steps.Count > 0 ? steps[0].Id : null;

    private void Add(IReadOnlyList<FlowStep> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            _steps[steps[i].Id] = (steps[i], i + 1 < steps.Count ? steps[i + 1].Id : null);
            switch (steps[i])
            {
                case WaitForEventStep e:
                    Add(e.Happened);
                    Add(e.TimedOut);
                    break;
                case ConditionSplitStep c:
                    Add(c.Yes);
                    Add(c.No);
                    break;
                case RandomSplitStep r:
                    foreach (var arm in r.Arms)
                    {
                        Add(arm.Steps);
                    }

                    break;
            }
        }
    }
}
