using System.Linq.Expressions;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns;

/// <summary>
/// The fairness audit of a targeted audience before launch: per group of gender, age band and country, which share of all
/// customers the campaign would mail, and the disparate-impact ratio (four-fifths rule). Counted with GROUP BY in the database,
/// so it stays cheap at a million customers. No predicted uplift here: a rule segment has none (the uplift page shows it).
/// </summary>
public static class AudienceFairness
{
    public static readonly IReadOnlyList<string> Attributes = ["Gender", "Age band", "Country"];

    public static async Task<IReadOnlyList<(string Attribute, FairnessReport Report)>> EvaluateAsync(
        IQueryable<Customer> population, IQueryable<Customer> selected, CancellationToken ct = default)
    {
        var reports = new List<(string, FairnessReport)>();
        foreach (var attribute in Attributes)
        {
            var key = KeyOf(attribute);
            var totals = await CountByAsync(population, key, ct);
            var chosen = await CountByAsync(selected, key, ct);
            var groups = totals.Select(t =>
            {
                var n = chosen.GetValueOrDefault(t.Key);
                return new GroupSelection(t.Key, t.Value, n, (double)n / t.Value, double.NaN);
            });
            reports.Add((attribute, FairnessCheck.FromGroups(groups)));
        }

        return reports;
    }

    private static async Task<Dictionary<string, int>> CountByAsync(IQueryable<Customer> customers, Expression<Func<Customer, string?>> key, CancellationToken ct)
    {
        var rows = await customers.GroupBy(key).Select(g => new { g.Key, N = g.Count() }).ToListAsync(ct);
        return rows.GroupBy(r => string.IsNullOrWhiteSpace(r.Key) ? "(not given)" : r.Key!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.N), StringComparer.Ordinal);
    }

    private static Expression<Func<Customer, string?>> KeyOf(string attribute) => attribute switch
    {
        "Gender" => c => c.Gender,
        "Age band" => c => c.AgeBand,
        _ => c => c.Country,
    };
}
