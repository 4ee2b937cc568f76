using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Tests.Offers;

namespace CampaignStudio.Bench;

/// <summary>
/// "Which offer for whom": policy training time on the tests' synthetic 4-offer shop (known per-customer values), and the
/// share of the oracle's gain over "no message" the learned policy captures (target ≥ 0.85 at 200,000 customers).
/// </summary>
public static class OfferPolicyBenchmark
{
    public const double TargetShare = 0.85;

    public static OfferPolicyBenchmarkResult Run(IReadOnlyList<int> sizes, CancellationToken ct)
    {
        var rows = new List<OfferPolicyRow>();
        foreach (var n in sizes)
        {
            ct.ThrowIfCancellationRequested();
            var shop = SyntheticShop.Create(n, seed: 1);
            var watch = Stopwatch.StartNew();
            var policy = OfferPolicyTrainer.Train(shop.Experiment);
            var seconds = watch.Elapsed.TotalSeconds;
            var bestSingle = Enumerable.Range(0, SyntheticShop.Arms.Length).Max(shop.TrueValueOfArm);
            rows.Add(new OfferPolicyRow(n, seconds, shop.CapturedShare(policy.LearnedAssignment), shop.TrueValue(policy.RecommendedAssignment), bestSingle,
                shop.OracleValue, policy.Evaluation.Recommendation.UseLearnedPolicy));
            Console.WriteLine($"{n:N0}: {seconds:F1} s, captured {rows[^1].CapturedShare:P1}");
        }

        return new OfferPolicyBenchmarkResult(rows);
    }
}

public sealed record OfferPolicyRow(int Customers, double Seconds, double CapturedShare, double RecommendedValue, double BestSingleArmValue, double OracleValue, bool PolicyRecommended);

public sealed record OfferPolicyBenchmarkResult(IReadOnlyList<OfferPolicyRow> Rows)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("## offer-policy — which offer for whom, 4 offers");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.AppendLine("`OfferPolicyTrainer.Train` with the studio's defaults (X-learner per offer vs no message, FastTree 60 trees × 8 leaves, 3 folds, " +
            "DR evaluation) on the tests' `SyntheticShop` (loyal, occasional, price-sensitive and recent buyers; no message / e-mail / 10 % / 20 % off, " +
            "25 % each). Values are true expected values per customer (known in the generator), not estimates.");
        s.AppendLine();
        s.AppendLine("| customers | training s | captured share of the oracle's gain | recommended value / customer | best single offer | oracle | policy recommended | target ≥ 0.85 |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in Rows)
        {
            var verdict = r.Customers >= 200_000 ? (r.CapturedShare >= OfferPolicyBenchmark.TargetShare ? "met" : "not met") : "—";
            s.AppendLine(inv, $"| {r.Customers:N0} | **{r.Seconds:F1}** | **{r.CapturedShare:P1}** | {r.RecommendedValue:F3} | {r.BestSingleArmValue:F3} | {r.OracleValue:F3} | {(r.PolicyRecommended ? "yes" : "no")} | {verdict} |");
        }

        return s.ToString();
    }
}
