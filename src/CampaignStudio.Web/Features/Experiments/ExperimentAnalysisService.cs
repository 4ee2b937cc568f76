using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// Reads an experiment's outcomes per arm and runs <see cref="ExperimentAnalyzer"/>: rates as counts summed in SQL (a million rows cost
/// one GROUP BY), revenue and CUPED from the per-customer values.
/// </summary>
public sealed class ExperimentAnalysisService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    /// <summary>Analyses <paramref name="metric"/> (the primary metric when null); CUPED when asked and every customer has a pre-period value.</summary>
    public async Task<ExperimentReadout> AnalyzeAsync(int experimentId, PrimaryMetric? metric, bool useCuped, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AnalyzeAsync(db, experimentId, metric, useCuped, ct);
    }

    /// <summary>The analysis without the role check, for callers that already hold a context (benchmarks, the API's own checks).</summary>
    public static async Task<ExperimentReadout> AnalyzeAsync(AppDbContext db, int experimentId, PrimaryMetric? metric, bool useCuped, CancellationToken ct = default)
    {
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct)
            ?? throw new ArgumentException("Unknown experiment.");
        var chosen = metric ?? experiment.PrimaryMetric;
        var rows = db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId);
        var counts = await rows.GroupBy(a => a.VariantId).Select(g => new
        {
            VariantId = g.Key,
            N = g.Count(),
            Measured = chosen == PrimaryMetric.Conversion ? g.Count(a => a.Converted != null)
                : chosen == PrimaryMetric.Click ? g.Count(a => a.Clicked != null)
                : chosen == PrimaryMetric.Visit ? g.Count(a => a.Visited != null)
                : g.Count(a => a.Revenue != null),
            Successes = chosen == PrimaryMetric.Conversion ? g.Count(a => a.Converted == true)
                : chosen == PrimaryMetric.Click ? g.Count(a => a.Clicked == true)
                : g.Count(a => a.Visited == true),
            WithPre = g.Count(a => a.PrePeriodValue != null),
        }).ToListAsync(ct);

        var variants = experiment.Variants.OrderBy(v => v.IsControl ? 0 : 1).ThenBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
        var present = variants.Where(v => counts.Any(c => c.VariantId == v.Id && c.N > 0)).ToList();
        var names = present.Select(v => v.Name).ToList();
        if (!present.Any(v => v.IsControl) || present.Count < 2)
        {
            return new ExperimentReadout(chosen, null, false, counts.Count == 0 ? "No customers are assigned yet." : "The control or every variant has no customers yet.", names);
        }

        if (counts.Sum(c => c.Measured) == 0)
        {
            return new ExperimentReadout(chosen, null, false, $"No {Label(chosen)} outcomes are recorded for this experiment yet.", names);
        }

        var cupedAvailable = counts.All(c => c.WithPre == c.N);
        var cuped = useCuped && cupedAvailable;
        var options = new AnalysisOptions(UseCuped: cuped);
        var isRate = chosen != PrimaryMetric.RevenuePerCustomer;
        ExperimentAnalysis analysis;
        try
        {
        if (isRate && !cuped)
            {
                // Unmeasured rows count as "did not convert": a customer with no tracked purchase did not buy.
                var arms = present.Select(v =>
                {
                    var c = counts.Single(x => x.VariantId == v.Id);
                    return ArmData.ForRate(v.Name, c.N, c.Successes, v.IsControl, v.Weight);
                }).ToList();
                analysis = ExperimentAnalyzer.AnalyzeRates(arms, options);
            }
            else
            {
                var values = await ValuesAsync(rows, chosen, ct);
                var arms = present.Select(v =>
                {
                    var (y, x) = values[v.Id];
                    return ArmData.ForValues(v.Name, y.ToArray(), cuped ? x.ToArray() : default, v.IsControl, v.Weight);
                }).ToList();
                analysis = ExperimentAnalyzer.AnalyzeMeans(arms, options);
            }
        }
        catch (ArgumentException ex)
        {
            // Data the statistics cannot work with (e.g. an arm without variance) is shown as a problem, not an error page.
            return new ExperimentReadout(chosen, null, cupedAvailable, ex.Message.Split(" (Parameter", StringSplitOptions.None)[0], names);
        }

        return new ExperimentReadout(chosen, analysis, cupedAvailable, null, names)
        {
            Counts = [.. present.Select(v => counts.Single(x => x.VariantId == v.Id)).Select((c, i) => new ArmCount(names[i], c.N, isRate ? c.Successes : null))],
        };
    }

    private static async Task<Dictionary<int, (List<double> Y, List<double> X)>> ValuesAsync(IQueryable<Assignment> rows, PrimaryMetric metric, CancellationToken ct)
    {
        var result = new Dictionary<int, (List<double>, List<double>)>();
        var source = rows.Select(a => new { a.VariantId, a.Converted, a.Clicked, a.Visited, a.Revenue, a.PrePeriodValue }).AsAsyncEnumerable();
        await foreach (var a in source.WithCancellation(ct))
        {
            if (!result.TryGetValue(a.VariantId, out var lists))
            {
                lists = ([], []);
                result[a.VariantId] = lists;
            }

            lists.Item1.Add(metric switch
            {
                PrimaryMetric.Conversion => a.Converted == true ? 1 : 0,
                PrimaryMetric.Click => a.Clicked == true ? 1 : 0,
                PrimaryMetric.Visit => a.Visited == true ? 1 : 0,
                _ => (double)(a.Revenue ?? 0m),
            });
            lists.Item2.Add(a.PrePeriodValue ?? 0);
        }

        return result;
    }

    public static string Label(PrimaryMetric metric) => metric switch
    {
        PrimaryMetric.Conversion => "conversion",
        PrimaryMetric.RevenuePerCustomer => "revenue",
        PrimaryMetric.Click => "click",
        _ => "visit",
    };
}
