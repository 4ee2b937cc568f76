namespace CampaignStudio.Domain.Segments.Rules;

/// <summary>
/// A rule while the marketer is still building it. A condition not filled in yet (no value, no key, no days, a group
/// without conditions) is not an error: the live count leaves it out and lists it gently. Saving needs the whole rule
/// (<see cref="SegmentRuleValidator.Check(SegmentRule?)"/>), so nothing half-built is ever stored.
/// </summary>
public static class RuleDraft
{
    /// <summary>
    /// The part of <paramref name="draft"/> that can be counted now, and what was left out. A filled-in part that is wrong
    /// ("abc" as an amount) stays in, so the count reports it. <see cref="DraftCount.Rule"/> is null when nothing is left
    /// to narrow the audience (everyone counts).
    /// </summary>
    public static DraftCount Countable(SegmentRule draft)
    {
        var unfinished = new List<RuleProblem>();
        if (draft.Root is null)
        {
            return new DraftCount(null, unfinished);
        }

        var root = Keep(draft.Root, new RulePosition("$.root", null, 0, 1), unfinished);
        return new DraftCount(root is null ? null : draft with { Root = root }, unfinished);
    }

    private static RuleNode? Keep(RuleNode node, RulePosition at, List<RuleProblem> unfinished)
    {
        switch (node)
        {
            case RuleCondition condition:
                if (SegmentRuleValidator.CheckCondition(condition) is { IsIncomplete: true } problem)
                {
                    unfinished.Add(new RuleProblem(problem.Message, problem.Plain, SegmentRuleValidator.Where(at, node), IsIncomplete: true));
                    return null;
                }

                return condition;

            case RuleGroup group:
                if (group.Children is not { Count: > 0 })
                {
                    // A group just added, with nothing in it yet.
                    unfinished.Add(new RuleProblem($"The group at {at.Path} has no conditions.", at.Parent is null ? "add a condition" : "add a condition, or remove the group",
                        SegmentRuleValidator.Where(at, node), IsIncomplete: true));
                    return null;
                }

                var kept = new List<RuleNode>(group.Children.Count);
                for (var i = 0; i < group.Children.Count; i++)
                {
                    // Null entries stay, so the validator reports them; they are never the marketer's unfinished work.
                    var child = group.Children[i];
                    if (child is null)
                    {
                        kept.Add(child!);
                    }
                    else if (Keep(child, at.Child(group, i), unfinished) is { } keep)
                    {
                        kept.Add(keep);
                    }
                }

                // Only unfinished conditions inside: the group does not narrow anything yet.
                return kept.Count == 0 ? null : kept.Count == group.Children.Count ? group : group with { Children = kept };

            default:
                return node;
        }
    }
}

/// <summary>What the live count can use of a draft rule.</summary>
/// <param name="Rule">The finished part to count; null when no finished condition narrows the audience (everyone counts).</param>
/// <param name="Unfinished">The conditions and groups left out, each with where it is and what is missing.</param>
public sealed record DraftCount(SegmentRule? Rule, IReadOnlyList<RuleProblem> Unfinished);
