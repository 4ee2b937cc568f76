using System.Globalization;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>What one arm costs, as the API and the cost form state it.</summary>
/// <param name="Discount">Discount as a share of the order value (0.10 for 10 % off).</param>
/// <param name="MessageCost">Fixed cost per message sent.</param>
/// <param name="RedemptionCost">Fixed cost per order that redeems the offer.</param>
/// <param name="SendsMessage">Whether the arm sends a message; null keeps what the arm says (the control and holdout send none).</param>
public sealed record ArmCostsInput(double Discount = 0, double MessageCost = 0, double RedemptionCost = 0, bool? SendsMessage = null)
{
    /// <summary>Costs as the learners use them, as the form and the API show them.</summary>
    public static ArmCostsInput From(OfferCosts costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        return new ArmCostsInput(costs.Discount, costs.MessageCost, costs.RedemptionCost, costs.SendsMessage);
    }
}

/// <summary>The margin and the arms' costs of an experiment: the body of POST /api/experiments/{id}/policy and the import's 'costs'.</summary>
/// <param name="Margin">Gross margin for this experiment; null keeps the experiment's (or the studio setting).</param>
/// <param name="Arms">Costs by arm name; arms not named cost nothing.</param>
public sealed record OfferCostsInput(double? Margin = null, IReadOnlyDictionary<string, ArmCostsInput>? Arms = null)
{
    /// <summary>Every problem of these costs for an experiment with <paramref name="armNames"/>, one sentence each; empty when fine.</summary>
    public IReadOnlyList<string> Problems(IReadOnlyCollection<string> armNames)
    {
        var problems = new List<string>();
        if (Margin is { } m && !(m > 0 && m <= 1))
        {
            problems.Add($"The gross margin is a share of the order value above 0 and at most 1 (0.40 for 40 %); {Number(m)} is not.");
        }

        var unknown = (Arms ?? new Dictionary<string, ArmCostsInput>()).Keys.Where(a => !armNames.Contains(a)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            problems.Add($"The experiment has no arm named {string.Join(", ", unknown.Select(a => $"'{a}'"))}; its arms are {string.Join(", ", armNames.Select(a => $"'{a}'"))}.");
        }

        foreach (var (arm, costs) in (Arms ?? new Dictionary<string, ArmCostsInput>()).Where(a => armNames.Contains(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (costs is null)
            {
                problems.Add($"The costs of '{arm}' are missing.");
                continue;
            }

            if (!(costs.Discount >= 0 && costs.Discount < 1))
            {
                problems.Add($"The discount of '{arm}' is a share of the order value from 0 up to (not including) 1 (0.10 for 10 % off); {Number(costs.Discount)} is not.");
            }

            if (!(costs.MessageCost >= 0 && double.IsFinite(costs.MessageCost)) || !(costs.RedemptionCost >= 0 && double.IsFinite(costs.RedemptionCost)))
            {
                problems.Add($"The costs of '{arm}' cannot be negative.");
            }
        }

        return problems;
    }

    /// <summary>Writes the costs onto the arms (arms not named cost nothing) and the margin onto the experiment; call after <see cref="Problems"/> found none.</summary>
    public void ApplyTo(Experiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (Margin is { } margin)
        {
            experiment.GrossMargin = margin;
        }

        foreach (var variant in experiment.Variants)
        {
            var costs = Arms?.GetValueOrDefault(variant.Name) ?? new ArmCostsInput();
            variant.DiscountShare = costs.Discount;
            variant.MessageCost = costs.MessageCost;
            variant.RedemptionCost = costs.RedemptionCost;
            variant.SendsMessage = costs.SendsMessage ?? variant.SendsMessage;
        }
    }

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
