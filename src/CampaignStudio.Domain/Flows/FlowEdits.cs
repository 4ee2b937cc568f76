namespace CampaignStudio.Domain.Flows;

/// <summary>
/// A list of steps in the tree: the top list (<see cref="Top"/>) or one branch of a step that branches, named by the step
/// and the branch (<see cref="FlowBranches"/>: "happened", "timedOut", "yes", "no", or an arm's label).
/// </summary>
public sealed record FlowPlace(string? ParentStepId, string? Branch)
{
    public static FlowPlace Top { get; } = new(null, null);
}

/// <summary>The names of the branches of the steps that branch.</summary>
public static class FlowBranches
{
    public const string Happened = "happened";
    public const string TimedOut = "timedOut";
    public const string Yes = "yes";
    public const string No = "no";

    /// <summary>The branches of a step with their steps, in the order the diagram shows them (none for a step that does not branch).</summary>
    public static IReadOnlyList<(string Branch, IReadOnlyList<FlowStep> Steps)> Of(FlowStep step) => step switch
    {
        WaitForEventStep e => [(Happened, e.Happened), (TimedOut, e.TimedOut)],
        ConditionSplitStep c => [(Yes, c.Yes), (No, c.No)],
        RandomSplitStep r => [.. r.Arms.Select(a => (a.Label, a.Steps))],
        _ => [],
    };
}

/// <summary>
/// The editor's changes to a flow definition — add, change, move, remove a step — as pure functions that keep the tree
/// readable: a step that branches stays the last of its list (the steps after it move into its first branch), nothing
/// follows an exit. Each returns a new definition; the one passed in is not changed.
/// </summary>
public static class FlowEdits
{
    /// <summary>Puts <paramref name="step"/> at <paramref name="index"/> of the list at <paramref name="place"/>.</summary>
    /// <exception cref="InvalidOperationException">The place does not exist, or the index is after a step that branches or exits.</exception>
    public static FlowDefinition Insert(FlowDefinition definition, FlowPlace place, int index, FlowStep step)
    {
        var found = false;
        var result = Transform(definition, (at, steps) =>
        {
            if (at != place)
            {
                return steps;
            }

            found = true;
            if (index < 0 || index > steps.Count || (index > 0 && (FlowDefinitionJson.IsBranching(steps[index - 1]) || steps[index - 1] is ExitStep)))
            {
                throw new InvalidOperationException("Nothing can come after a step that splits the flow or takes customers out: add the step inside a branch.");
            }

            var list = steps.ToList();
            var rest = list.GetRange(index, list.Count - index);
            if (rest.Count > 0 && (FlowDefinitionJson.IsBranching(step) || step is ExitStep))
            {
                // A split must end its list: what came after it carries on in its first branch (an exit drops nothing: it refuses).
                if (step is ExitStep)
                {
                    throw new InvalidOperationException("An exit must be the last step of its branch: add it at the end.");
                }

                list.RemoveRange(index, rest.Count);
                list.Add(WithFirstBranch(step, rest));
                return list;
            }

            list.Insert(index, step);
            return list;
        });
        return found ? result : throw new InvalidOperationException("That place is not in the flow.");
    }

    /// <summary>Puts <paramref name="step"/> right after the step <paramref name="afterStepId"/>, in the same list.</summary>
    public static FlowDefinition InsertAfter(FlowDefinition definition, string afterStepId, FlowStep step) =>
        PlaceOf(definition, afterStepId) is { } at
            ? Insert(definition, at.Place, at.Index + 1, step)
            : throw new InvalidOperationException($"There is no step \"{afterStepId}\".");

    /// <summary>Swaps the step in for the one with the same id (its branches are the new step's).</summary>
    public static FlowDefinition Replace(FlowDefinition definition, FlowStep step) =>
        Transform(definition, (_, steps) => steps.Any(s => s.Id == step.Id) ? [.. steps.Select(s => s.Id == step.Id ? step : s)] : steps);

    /// <summary>Takes the step out, with its branches if it has any.</summary>
    public static FlowDefinition Remove(FlowDefinition definition, string stepId) =>
        Transform(definition, (_, steps) => steps.Any(s => s.Id == stepId) ? [.. steps.Where(s => s.Id != stepId)] : steps);

    /// <summary>Whether the step can move one place up (-1) or down (+1) in its list and keep splits and exits last.</summary>
    public static bool CanMove(FlowDefinition definition, string stepId, int by)
    {
        if (PlaceOf(definition, stepId) is not { } at || Math.Abs(by) != 1)
        {
            return false;
        }

        var other = at.Index + by;
        if (other < 0 || other >= at.Steps.Count)
        {
            return false;
        }

        // The lower of the two after the swap may be anything; the upper one must not split or exit.
        var upper = by < 0 ? at.Steps[at.Index] : at.Steps[other];
        return !FlowDefinitionJson.IsBranching(upper) && upper is not ExitStep;
    }

    /// <summary>Moves the step one place up (-1) or down (+1) in its list; unchanged when <see cref="CanMove"/> says no.</summary>
    public static FlowDefinition Move(FlowDefinition definition, string stepId, int by)
    {
        if (!CanMove(definition, stepId, by))
        {
            return definition;
        }

        return Transform(definition, (_, steps) =>
        {
            var i = steps.ToList().FindIndex(s => s.Id == stepId);
            if (i < 0)
            {
                return steps;
            }

            var list = steps.ToList();
            (list[i], list[i + by]) = (list[i + by], list[i]);
            return list;
        });
    }

    /// <summary>The list a step is in and its position there; null when no step has that id.</summary>
    public static (FlowPlace Place, int Index, IReadOnlyList<FlowStep> Steps)? PlaceOf(FlowDefinition definition, string stepId)
    {
        (FlowPlace, int, IReadOnlyList<FlowStep>)? found = null;
        Transform(definition, (at, steps) =>
        {
            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i].Id == stepId)
                {
                    found = (at, i, steps);
                }
            }

            return steps;
        });
        return found;
    }

    /// <summary>An id no step of the definition has yet ("step-1", "step-2", …): ids stay stable across versions, so they are never reused within one.</summary>
    public static string NewStepId(FlowDefinition definition)
    {
        var used = new FlowMap(definition).Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var n = used.Count + 1;
        while (used.Contains($"step-{n}"))
        {
            n++;
        }

        return $"step-{n}";
    }

    /// <summary>Rebuilds every list bottom-up through <paramref name="change"/> (given the list's place and its already rebuilt steps).</summary>
    public static FlowDefinition Transform(FlowDefinition definition, Func<FlowPlace, IReadOnlyList<FlowStep>, IReadOnlyList<FlowStep>> change)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition with { Steps = Walk(FlowPlace.Top, definition.Steps, change) };
    }

    private static IReadOnlyList<FlowStep> Walk(FlowPlace place, IReadOnlyList<FlowStep> steps, Func<FlowPlace, IReadOnlyList<FlowStep>, IReadOnlyList<FlowStep>> change)
    {
        var rebuilt = steps.Select(s => s switch
        {
            WaitForEventStep e => e with
            {
                Happened = Walk(new(e.Id, FlowBranches.Happened), e.Happened, change),
                TimedOut = Walk(new(e.Id, FlowBranches.TimedOut), e.TimedOut, change),
            },
            ConditionSplitStep c => c with
            {
                Yes = Walk(new(c.Id, FlowBranches.Yes), c.Yes, change),
                No = Walk(new(c.Id, FlowBranches.No), c.No, change),
            },
            RandomSplitStep r => r with { Arms = [.. r.Arms.Select(a => a with { Steps = Walk(new(r.Id, a.Label), a.Steps, change) })] },
            _ => s,
        }).ToList();
        return change(place, rebuilt);
    }

    private static FlowStep WithFirstBranch(FlowStep step, IReadOnlyList<FlowStep> steps) => step switch
    {
        WaitForEventStep e => e with { Happened = [.. steps, .. e.Happened] },
        ConditionSplitStep c => c with { Yes = [.. steps, .. c.Yes] },
        RandomSplitStep { Arms.Count: > 0 } r => r with { Arms = [r.Arms[0] with { Steps = [.. steps, .. r.Arms[0].Steps] }, .. r.Arms.Skip(1)] },
        _ => step,
    };
}
