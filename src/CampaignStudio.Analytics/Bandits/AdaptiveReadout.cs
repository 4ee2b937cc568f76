using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Analytics.Bandits;

/// <summary>One arm of an adaptive experiment, reweighted by the logged allocation.</summary>
/// <param name="Name">The arm.</param>
/// <param name="IsControl">True for the control.</param>
/// <param name="N">Customers in the arm.</param>
/// <param name="Mean">The arm's rate or revenue per customer had everyone got it (inverse-propensity estimate).</param>
/// <param name="MeanCi">Its 95 % interval.</param>
/// <param name="Lift">The reweighted difference to control; null for the control.</param>
/// <param name="LiftCi">Its 95 % interval.</param>
/// <param name="PlainMean">The plain mean of the arm's customers, biased when the weights followed the data; for comparison.</param>
public sealed record AdaptiveArm(string Name, bool IsControl, long N, double Mean, ConfidenceInterval MeanCi, double? Lift, ConfidenceInterval? LiftCi, double PlainMean);

/// <summary>The read-out of an adaptive experiment: every arm reweighted by the weights of the round each customer came in.</summary>
/// <param name="Rounds">Rounds sent so far.</param>
/// <param name="Arms">Arms in analysis order (control first).</param>
/// <param name="Verdict">"Winner" when some arm's reweighted lift is above zero with 95 % confidence (Bonferroni over the arms), "Control wins" when every arm's is below, else "Inconclusive".</param>
public sealed record AdaptiveAnalysis(int Rounds, IReadOnlyList<AdaptiveArm> Arms, string Verdict)
{
    /// <summary>What the page and the API say beside these numbers.</summary>
    public string Note => $"Reweighted by the logged allocation of {Rounds} round{(Rounds == 1 ? "" : "s")}: each customer counts 1 ÷ (their arm's share in their round), " +
        "so the lifts stay unbiased although the weights followed the results; the verdict is read from them. The plain means beside them treat every customer alike and are not " +
        "(the tables above weight each customer by their logged chance too, once the weights have moved).";
}

/// <summary>Builds <see cref="AdaptiveAnalysis"/> from assignments and the round log with <see cref="AdaptiveEstimate"/>.</summary>
public static class AdaptiveReadout
{
    /// <summary>One assigned customer: arm, when assigned, and the outcome of the metric read.</summary>
    public readonly record struct Row(int VariantId, DateTime AssignedAt, double Outcome);

    /// <summary>One logged round: when its weights took effect, the weights (variant id → share) and its customers.</summary>
    // The weights come parsed: reading the stored JSON is Data's job (AllocationWeights), so it has one home.
    public readonly record struct Round(DateTime TookEffectAt, IReadOnlyDictionary<int, double> Weights, int Customers);

    /// <param name="rounds">The round log, oldest first.</param>
    /// <param name="arms">The arms in analysis order (control first).</param>
    /// <param name="rows">Every assignment.</param>
    public static AdaptiveAnalysis? Read(IReadOnlyList<Round> rounds, IReadOnlyList<Variant> arms, IEnumerable<Row> rows)
    {
        if (rounds.Count == 0 || arms.Count < 2 || !arms.Any(a => a.IsControl))
        {
            return null;
        }

        var index = arms.Select((v, i) => (v.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var weights = rounds.Select(r => r.Weights).ToList();
        var customers = rounds.Select(_ => new long[arms.Count]).ToList();
        var sums = rounds.Select(_ => new double[arms.Count]).ToList();
        var squares = rounds.Select(_ => new double[arms.Count]).ToList();
        var starts = rounds.Select(r => r.TookEffectAt).ToList();
        foreach (var row in rows)
        {
            if (!index.TryGetValue(row.VariantId, out var arm))
            {
                continue;
            }

            // A customer belongs to the last round whose weights had taken effect when they were assigned.
            var round = Math.Max(0, starts.FindLastIndex(s => s <= row.AssignedAt));
            customers[round][arm]++;
            sums[round][arm] += row.Outcome;
            squares[round][arm] += row.Outcome * row.Outcome;
        }

        var batches = rounds.Select((_, r) => new BatchResult([.. arms.Select(a => weights[r].GetValueOrDefault(a.Id))], customers[r], sums[r], squares[r])).ToList();
        var control = arms.ToList().FindIndex(a => a.IsControl);
        var means = AdaptiveEstimate.ArmMeans(batches);
        var lifts = AdaptiveEstimate.Lifts(batches, control);

        // The verdict holds for all arms at once, as the fixed analysis's Holm correction does.
        var strict = AdaptiveEstimate.Lifts(batches, control, 1 - 0.05 / Math.Max(1, arms.Count - 1)).Where((_, i) => i != control).ToList();
        var verdict = strict.Any(l => l.Ci.Lower > 0) ? "Winner" : strict.All(l => l.Ci.Upper < 0) ? "Control wins" : "Inconclusive";
        return new AdaptiveAnalysis(rounds.Count, [.. arms.Select((a, i) =>
        {
            var n = customers.Sum(c => c[i]);
            var plain = n == 0 ? double.NaN : sums.Sum(s => s[i]) / n;
            return new AdaptiveArm(a.Name, a.IsControl, n, means[i].Mean, means[i].Ci, i == control ? null : lifts[i].Mean, i == control ? null : lifts[i].Ci, plain);
        })], verdict);
    }

    /// <summary>
    /// Each arm's expected share of all customers so far under the logged rounds (Σ customers of a round × the arm's weight in
    /// it): what the sample-ratio check compares the observed split with when the weights moved.
    /// </summary>
    /// <param name="rounds">The round log.</param>
    public static IReadOnlyDictionary<int, double> ExpectedShares(IReadOnlyList<Round> rounds) =>
        rounds.SelectMany(r => r.Weights.Select(w => (w.Key, Share: w.Value * r.Customers)))
            .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Sum(x => x.Share));
}
