using CampaignStudio.Domain.Segments.Rules;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>
/// The rule tree as the builder edits it: mutable, with stable ids for rendering. Converted to the immutable
/// <see cref="SegmentRule"/> (which is what is validated, compiled and stored) on every change.
/// </summary>
public abstract class RuleNodeModel
{
    public Guid Id { get; } = Guid.NewGuid();
}

public sealed class RuleGroupModel : RuleNodeModel
{
    public GroupOperator Operator { get; set; } = GroupOperator.And;

    public List<RuleNodeModel> Children { get; } = [];
}

public sealed class RuleConditionModel : RuleNodeModel
{
    public string Field { get; set; } = RuleFields.Country;

    public string Operator { get; set; } = RuleOperators.EqualTo;

    public string? Key { get; set; }

    public string? Value { get; set; }

    /// <summary>Several values, comma-separated as typed (for "is one of" and "between").</summary>
    public string? ValuesText { get; set; }

    public int? Days { get; set; }

    public int? Count { get; set; }

    public RuleField Definition => RuleFields.Find(Field) ?? RuleFields.All[0];

    /// <summary>Switching the field keeps the operator when the new field allows it, else takes its first one.</summary>
    public void ChangeField(string field)
    {
        Field = field;
        var definition = Definition;
        if (!definition.Operators.Contains(Operator))
        {
            Operator = definition.Operators[0];
        }

        Key = null;
        Value = definition.EnumValues?.FirstOrDefault();
        ValuesText = null;
        Days = null;
        Count = field == RuleFields.Event ? 1 : null;
    }
}

public static class RuleEditorModel
{
    /// <summary>The builder always edits a group at the top, so "add condition" has somewhere to go.</summary>
    public static RuleGroupModel FromRule(SegmentRule? rule) => rule?.Root switch
    {
        RuleGroup group => FromGroup(group),
        RuleCondition condition => new RuleGroupModel { Children = { FromCondition(condition) } },
        _ => new RuleGroupModel(),
    };

    public static SegmentRule ToRule(RuleGroupModel root) => new() { Root = ToNode(root) };

    private static RuleGroupModel FromGroup(RuleGroup group)
    {
        var model = new RuleGroupModel { Operator = group.Operator };
        model.Children.AddRange(group.Children.Select(c => c switch
        {
            RuleGroup g => (RuleNodeModel)FromGroup(g),
            RuleCondition condition => FromCondition(condition),
            _ => throw new InvalidOperationException("Unknown rule node."),
        }));
        return model;
    }

    private static RuleConditionModel FromCondition(RuleCondition c) => new()
    {
        Field = c.Field,
        Operator = c.Operator,
        Key = c.Key,
        Value = c.Value,
        ValuesText = c.Values is null ? null : string.Join(", ", c.Values),
        Days = c.Days,
        Count = c.Count,
    };

    private static RuleNode ToNode(RuleNodeModel node) => node switch
    {
        RuleGroupModel g => new RuleGroup(g.Operator, g.Children.Select(ToNode).ToList()),
        RuleConditionModel c => ToCondition(c),
        _ => throw new InvalidOperationException("Unknown rule node."),
    };

    /// <summary>The condition as it would be stored, e.g. to check it on its own while it is edited.</summary>
    public static RuleCondition ToCondition(RuleConditionModel c) =>
        new(c.Field, c.Operator)
        {
            // Parts the field or operator does not use are left out, so a half-edited condition stays valid.
            Key = c.Definition.KeyLabel is null ? null : Blank(c.Key),
            Value = RuleOperators.NeedsValue(c.Operator) ? Blank(c.Value) : null,
            Values = RuleOperators.NeedsValues(c.Operator)
                ? (c.ValuesText ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : null,
            Days = c.Definition.AllowsDays || c.Operator is RuleOperators.WithinLastDays or RuleOperators.NotWithinLastDays ? c.Days : null,
            Count = c.Field == RuleFields.Event ? c.Count : null,
        };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
