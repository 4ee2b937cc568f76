using System.Linq.Expressions;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns;

/// <summary>
/// The fairness audit of a targeted audience before launch: per group of gender, age band and country, which share of all
/// customers the campaign would mail, and the disparate-impact ratio (four-fifths rule) over the groups it can fairly compare
/// (<see cref="FairnessCheck.FromGroups"/>: not "value not given", not groups under the privacy threshold k). Counted with
/// GROUP BY in the database, so it stays cheap at a million customers. No predicted uplift here: a rule segment has none
/// (the uplift page shows it).
/// </summary>
public static class AudienceFairness
{
    public static readonly IReadOnlyList<string> Attributes = ["Gender", "Age band", "Country"];

    /// <summary>The audit when everyone in <paramref name="selected"/> is mailed.</summary>
    public static async Task<IReadOnlyList<(string Attribute, FairnessReport Report)>> EvaluateAsync(
        IQueryable<Customer> population, IQueryable<Customer> selected, int minGroupSize, CancellationToken ct = default)
    {
        var chosen = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var attribute in Attributes)
        {
            chosen[attribute] = await CountByAsync(selected, KeyOf(attribute), ct);
        }

        return await EvaluateAsync(population, chosen, minGroupSize, ct);
    }

    /// <summary>The audit from counts of the mailed customers per attribute and group (<see cref="GroupOf"/>), e.g. the mailed arms of an experiment.</summary>
    public static async Task<IReadOnlyList<(string Attribute, FairnessReport Report)>> EvaluateAsync(
        IQueryable<Customer> population, IReadOnlyDictionary<string, Dictionary<string, int>> selected, int minGroupSize, CancellationToken ct = default)
    {
        var reports = new List<(string, FairnessReport)>();
        foreach (var attribute in Attributes)
        {
            var totals = await CountByAsync(population, KeyOf(attribute), ct);
            var chosen = selected.GetValueOrDefault(attribute) ?? [];
            var groups = totals.Select(t =>
            {
                var n = chosen.GetValueOrDefault(t.Key);
                return new GroupSelection(t.Key, t.Value, n, (double)n / t.Value, double.NaN);
            });
            reports.Add((attribute, FairnessCheck.FromGroups(groups, minGroupSize: minGroupSize)));
        }

        return reports;
    }

    /// <summary>The group label of a customer's value: blanks are <see cref="FairnessCheck.NotGiven"/>.</summary>
    public static string GroupOf(string? value) => string.IsNullOrWhiteSpace(value) ? FairnessCheck.NotGiven : value;

    private static async Task<Dictionary<string, int>> CountByAsync(IQueryable<Customer> customers, Expression<Func<Customer, string?>> key, CancellationToken ct)
    {
        var rows = await customers.GroupBy(key).Select(g => new { g.Key, N = g.Count() }).ToListAsync(ct);
        return rows.GroupBy(r => GroupOf(r.Key), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.N), StringComparer.Ordinal);
    }

    private static Expression<Func<Customer, string?>> KeyOf(string attribute) => attribute switch
    {
        "Gender" => c => c.Gender,
        "Age band" => c => c.AgeBand,
        _ => c => c.Country,
    };
}
