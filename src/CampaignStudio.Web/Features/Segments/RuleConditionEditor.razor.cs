using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>One condition of the rule builder: field, operator and value in the marketer's words, with pick lists from the data.</summary>
public partial class RuleConditionEditor
{
    /// <summary>How many suggestions a pick list shows.</summary>
    private const int SuggestionCount = Data.Segments.SuggestedValueStore.MaxSuggestions;

    private string? _adding;

    [Parameter, EditorRequired]
    public RuleConditionModel Condition { get; set; } = default!;

    [Parameter]
    public RuleChoices? Choices { get; set; }

    /// <summary>Values for city, country and category conditions: (field, typed text) → the most frequent matching values.</summary>
    [Parameter]
    public Func<string, string?, CancellationToken, Task<IReadOnlyList<string>>>? SuggestValues { get; set; }

    /// <summary>Shows the condition without anything to change it (a Manager's view).</summary>
    [Parameter]
    public bool ReadOnly { get; set; }

    [Parameter]
    public EventCallback Changed { get; set; }

    [Parameter]
    public EventCallback OnRemove { get; set; }

    private RuleField Def => Condition.Definition;

    private bool HasPickList => SuggestValues is not null && SuggestedValue.Fields.Contains(Def.Key);

    /// <summary>What is missing or wrong in this condition on its own, checked by the same validator that guards saving.</summary>
    private ConditionProblem? Problem => SegmentRuleValidator.CheckCondition(RuleEditorModel.ToCondition(Condition));

    private IReadOnlyList<Choice> Arms => Choices?.Experiments.FirstOrDefault(e => e.Value == Condition.Key)?.Variants ?? [];

    private string Placeholder => Def.Kind switch
    {
        RuleValueKind.Date => "yyyy-mm-dd",
        RuleValueKind.Number => "e.g. 100",
        RuleValueKind.Integer => "e.g. 3",
        _ => "value",
    };

    private string ExperimentLabel(string? id) => Choices?.Experiments.FirstOrDefault(e => e.Value == id)?.Label ?? id ?? "";

    private string SegmentLabel(string? id) => RuleChoices.LabelOf(Choices?.Segments ?? [], id);

    private string ArmLabel(string? id) => RuleChoices.LabelOf(Arms, id);

    private static string Sentence(string plain) => plain.Length == 0 ? plain : char.ToUpperInvariant(plain[0]) + plain[1..] + ".";

    private async Task<IEnumerable<string>> SearchAsync(string? text, CancellationToken ct) =>
        SuggestValues is null ? [] : await SuggestValues(Def.Key, text, ct);

    /// <summary>A value picked for an "is one of" list joins the list (once) and the picker empties for the next one.</summary>
    private async Task AddToListAsync(string? value)
    {
        _adding = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        var values = (Condition.ValuesText ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!values.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            values.Add(value.Trim());
        }

        await SetAsync(() => Condition.ValuesText = string.Join(", ", values));
    }

    private Task FieldChangedAsync(string field)
    {
        Condition.ChangeField(field);
        return Changed.InvokeAsync();
    }

    private Task OperatorChangedAsync(string op) => SetAsync(() => Condition.Operator = op);

    private Task SetAsync(Action change)
    {
        change();
        return Changed.InvokeAsync();
    }
}
