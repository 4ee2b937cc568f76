using CampaignStudio.Analytics.Bandits;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// Reads an experiment's outcomes per arm and runs <see cref="ExperimentAnalyzer"/>: rates as counts summed in SQL (a million rows cost
/// one GROUP BY), revenue and CUPED from the per-customer values.
/// </summary>
public sealed class ExperimentAnalysisService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    /// <summary>
    /// Analyses <paramref name="metric"/> (the primary metric when null). <paramref name="useCuped"/>: true or false as the
    /// reader chose; null is the studio's default (<see cref="CupedRule"/>): CUPED when every customer has a pre-period value
    /// and it removes at least the minimum share of the variance. The list, the experiment page and the API all call this.
    /// </summary>
    public async Task<ExperimentReadout> AnalyzeAsync(int experimentId, PrimaryMetric? metric, bool? useCuped, CancellationToken ct = default) =>
        await AnalyzeAsync(experimentId, metric, useCuped, reading: null, ct);

    /// <summary>
    /// As above, with the reading shown first: <paramref name="reading"/> as the reader chose, null for the default
    /// (<see cref="AlwaysValidReading.DefaultFor"/>: always valid while running). Both readings are always computed.
    /// </summary>
    public async Task<ExperimentReadout> AnalyzeAsync(int experimentId, PrimaryMetric? metric, bool? useCuped, Reading? reading, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AnalyzeAsync(db, experimentId, metric, useCuped, reading, ct);
    }

    /// <summary>The analysis without the role check, for callers that already hold a context (benchmarks, the API's own checks).</summary>
    public static Task<ExperimentReadout> AnalyzeAsync(AppDbContext db, int experimentId, PrimaryMetric? metric, bool? useCuped, CancellationToken ct = default) =>
        AnalyzeAsync(db, experimentId, metric, useCuped, reading: null, ct);

    /// <summary>The analysis without the role check, with the reading shown first (null: the default for the experiment's status).</summary>
    public static async Task<ExperimentReadout> AnalyzeAsync(AppDbContext db, int experimentId, PrimaryMetric? metric, bool? useCuped, Reading? reading, CancellationToken ct = default)
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
            return new ExperimentReadout(chosen, null, false, $"No {DisplayNames.Outcome(chosen)} outcomes are recorded for this experiment yet.", names);
        }

        // Adaptive: the planned split is what the logged rounds asked for, not the design's weights.
        var rounds = experiment.Allocation == Allocation.Adaptive
            ? await db.AllocationRounds.AsNoTracking().Where(r => r.ExperimentId == experimentId).OrderBy(r => r.Number).ToListAsync(ct)
            : [];
        var logged = rounds.Select(r => new AdaptiveReadout.Round(r.TookEffectAt, AllocationWeights.Read(r.WeightsJson), r.Customers)).ToList();
        var expectedShares = AdaptiveReadout.ExpectedShares(logged);

        // A launched policy's round or a moved adaptive one: customers had unequal chances of their arm, so every mean and
        // lift below is weighted by them (PropensityWeighted). A launched round's split follows the policy, not a design:
        // its sizes are what they are, so the sample-ratio checks have nothing to compare with (WeightingNote says so).
        var weighted = await WeightedByPropensityAsync(rows, ct);
        var launched = weighted && rounds.Count == 0;
        double Planned(Variant v) => launched ? counts.Single(c => c.VariantId == v.Id).N
            : expectedShares.GetValueOrDefault(v.Id) is > 0 and var share ? share : v.Weight;

        var cupedAvailable = !weighted && counts.All(c => c.WithPre == c.N);
        var isRate = chosen != PrimaryMetric.RevenuePerCustomer;
        ExperimentAnalysis analysis;
        double? reduction = null;
        try
        {
            if (weighted)
            {
                analysis = ExperimentAnalyzer.AnalyzeMeans(await WeightedArmsAsync(rows, chosen, present, Planned, ct), new AnalysisOptions(UseCuped: false));
                if (useCuped == true)
                {
                    analysis = analysis with { Warnings = [.. analysis.Warnings, "CUPED is not applied to means weighted by each customer's chance of their arm."] };
                }
            }
            else
            {
            Dictionary<int, (List<double> Y, List<double> X)>? values = null;
            List<ArmData> Arms(bool withPre) => present.Select(v =>
            {
                var (y, x) = values![v.Id];
                return ArmData.ForValues(v.Name, y.ToArray(), withPre ? x.ToArray() : default, v.IsControl, Planned(v));
            }).ToList();

            // What CUPED would do is worked out whenever it can be (unless switched off), so the reader always sees what it buys.
            ExperimentAnalysis? adjusted = null;
            if (cupedAvailable && useCuped != false)
            {
                values = await ValuesAsync(rows, chosen, ct);
                adjusted = ExperimentAnalyzer.AnalyzeMeans(Arms(withPre: true), new AnalysisOptions(UseCuped: true));
                reduction = adjusted.Cuped?.VarianceReduction;
            }

            if (adjusted?.Cuped is not null && (useCuped == true || CupedRule.IsWorthIt(adjusted.Cuped)))
            {
                analysis = adjusted;
            }
            else if (isRate)
            {
                // Unmeasured rows count as "did not convert": a customer with no tracked purchase did not buy.
                analysis = ExperimentAnalyzer.AnalyzeRates(present.Select(v =>
                {
                    var c = counts.Single(x => x.VariantId == v.Id);
                    return ArmData.ForRate(v.Name, c.N, c.Successes, v.IsControl, Planned(v));
                }).ToList(), new AnalysisOptions(UseCuped: false));
            }
            else
            {
                values ??= await ValuesAsync(rows, chosen, ct);
                analysis = ExperimentAnalyzer.AnalyzeMeans(Arms(withPre: false), new AnalysisOptions(UseCuped: false));
            }

            if (useCuped == true && adjusted is { Cuped: null })
            {
                // Asked for, but impossible (a constant pre-period value): say why the lifts are unadjusted.
                analysis = analysis with { Warnings = [.. analysis.Warnings, .. adjusted.Warnings] };
            }
            }
        }
        catch (ArgumentException ex)
        {
            // Data the statistics cannot work with (e.g. an arm without variance) is shown as a problem, not an error page.
            return new ExperimentReadout(chosen, null, cupedAvailable, ex.Message.Split(" (Parameter", StringSplitOptions.None)[0], names);
        }

        // The audience: everyone is assigned at the start, except in adaptive rounds, where the rounds sent so far stand for the share they are of all rounds.
        long assigned = counts.Sum(c => c.N);
        var audience = rounds.Count > 0 && experiment.AllocationRounds > rounds.Count ? assigned * experiment.AllocationRounds / rounds.Count : assigned;
        var (plannedSize, plannedFrom) = PlannedSize(experiment, audience);
        // The sequential sample-ratio check tests one fixed split; under adaptive weights the split moves, so only the chi-square one (on the logged split) applies.
        var sequential = AlwaysValidReading.Read(analysis, plannedSize, plannedFrom, rounds.Count > 0 || launched ? null : await LooksAsync(rows, present, ct), [.. present.Select(v => v.Weight)]);
        var adaptive = rounds.Count == 0 ? null : AdaptiveReadout.Read(logged, present,
            (await rows.Select(a => new { a.VariantId, a.AssignedAt, a.Converted, a.Clicked, a.Visited, a.Revenue }).ToListAsync(ct))
                .Select(a => new AdaptiveReadout.Row(a.VariantId, a.AssignedAt, chosen switch
                {
                    PrimaryMetric.Conversion => a.Converted == true ? 1 : 0,
                    PrimaryMetric.Click => a.Clicked == true ? 1 : 0,
                    PrimaryMetric.Visit => a.Visited == true ? 1 : 0,
                    _ => (double)(a.Revenue ?? 0m),
                })));
        return new ExperimentReadout(chosen, analysis, cupedAvailable, null, names)
        {
            Counts = [.. present.Select(v => counts.Single(x => x.VariantId == v.Id)).Select((c, i) => new ArmCount(names[i], c.N, isRate ? c.Successes : null))],
            CupedVarianceReduction = reduction,
            Reading = reading ?? AlwaysValidReading.DefaultFor(experiment.Status),
            Sequential = sequential,
            Adaptive = adaptive,
            WeightingNote = !weighted ? null
                : launched ? WeightedNote + " The split follows the launched policy (its exploration and holdout), so the sample-ratio check is not read."
                : WeightedNote,
        };
    }

    /// <summary>What the page and the API say beside weighted tables.</summary>
    public const string WeightedNote =
        "Customers had unequal chances of their arm, so every mean and lift here counts each customer 1 ÷ (their logged chance of their arm), " +
        "divided by the sum of those weights (Hájek's estimator), with sandwich intervals: the numbers are what each arm would give everyone, not the plain averages of its customers.";

    /// <summary>
    /// Whether the logged chances differ within some arm (a launched policy's exploration and holdout, an adaptive experiment's
    /// moved rounds): then plain means are biased and the read-out weights. Rows without a logged chance keep the plain read-out.
    /// </summary>
    private static async Task<bool> WeightedByPropensityAsync(IQueryable<Assignment> rows, CancellationToken ct)
    {
        var spread = await rows.GroupBy(a => a.VariantId)
            .Select(g => new { Missing = g.Count(a => a.Propensity == null), Min = g.Min(a => a.Propensity), Max = g.Max(a => a.Propensity) }).ToListAsync(ct);
        return spread.Count > 0 && spread.All(s => s.Missing == 0) && spread.Any(s => s.Max - s.Min > 1e-9);
    }

    /// <summary>Each arm as the weighted estimate's mean and standard error (s² = SE²·n), so the tests, lifts and sequences read it.</summary>
    private static async Task<List<ArmData>> WeightedArmsAsync(IQueryable<Assignment> rows, PrimaryMetric metric, IReadOnlyList<Variant> present, Func<Variant, double> planned,
        CancellationToken ct)
    {
        var data = (await rows.Select(a => new { a.VariantId, a.Converted, a.Clicked, a.Visited, a.Revenue, a.Propensity }).ToListAsync(ct))
            .ToLookup(a => a.VariantId, a => (Y: Outcome(metric, a.Converted, a.Clicked, a.Visited, a.Revenue), P: a.Propensity!.Value));
        return present.Select(v =>
        {
            var arm = data[v.Id].ToList();
            var estimate = PropensityWeighted.Mean([.. arm.Select(a => a.Y)], [.. arm.Select(a => a.P)]);
            var variance = double.IsFinite(estimate.StandardError) ? estimate.StandardError * estimate.StandardError * arm.Count : 0;
            return ArmData.ForSummary(v.Name, new MeanSummary(arm.Count, estimate.Mean, variance), isControl: v.IsControl, expectedWeight: planned(v));
        }).ToList();
    }

    /// <summary>A customer's outcome on the metric read: 0/1 for the rates, the revenue otherwise (none recorded counts as 0).</summary>
    public static double Outcome(PrimaryMetric metric, bool? converted, bool? clicked, bool? visited, decimal? revenue) => metric switch
    {
        PrimaryMetric.Conversion => converted == true ? 1 : 0,
        PrimaryMetric.Click => clicked == true ? 1 : 0,
        PrimaryMetric.Visit => visited == true ? 1 : 0,
        _ => (double)(revenue ?? 0m),
    };

    /// <summary>
    /// The size the sequences are tuned to: the total of the design's power plan when one was stated, but never more than the
    /// audience (the last look cannot have more customers than it), else the audience.
    /// </summary>
    private static (long Size, string From) PlannedSize(Experiment experiment, long audience)
    {
        if (PowerPlanJson.Read(experiment.PowerPlanJson) is { } form)
        {
            var designed = experiment.Variants.Where(v => !v.IsHoldout).OrderBy(v => v.IsControl ? 0 : 1).ThenBy(v => v.SortOrder).ThenBy(v => v.Id).ToList();
            form.Arms = designed.Count;
            form.Weights = [.. designed.Select(v => v.Weight)];
            form.HoldoutShare = experiment.HoldoutShare;
            if (ExperimentService.Plan(form).Plan is { Total: > 1 } plan)
            {
                return plan.Total <= audience ? (plan.Total, "the power plan") : (audience, "the audience; the power plan asks for more customers than it has");
            }
        }

        return (audience, "the customers assigned");
    }

    /// <summary>Cumulative customers per arm (analysis order) at the end of each day customers were assigned: the looks of the sequential sample-ratio check.</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<long>>> LooksAsync(IQueryable<Assignment> rows, IReadOnlyList<Variant> present, CancellationToken ct)
    {
        // Grouped by the exact time in SQL (a launch assigns everyone at one instant, so few groups), by day here.
        var groups = await rows.GroupBy(a => new { a.VariantId, a.AssignedAt }).Select(g => new { g.Key.VariantId, g.Key.AssignedAt, N = g.LongCount() }).ToListAsync(ct);
        var index = present.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var running = new long[present.Count];
        var looks = new List<IReadOnlyList<long>>();
        foreach (var day in groups.Where(g => index.ContainsKey(g.VariantId)).GroupBy(g => g.AssignedAt.Date).OrderBy(d => d.Key))
        {
            foreach (var g in day)
            {
                running[index[g.VariantId]] += g.N;
            }

            looks.Add([.. running]);
        }

        return looks;
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
}
