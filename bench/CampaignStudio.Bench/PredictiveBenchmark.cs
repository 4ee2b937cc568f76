using System.Diagnostics;
using System.Globalization;
using System.Text;
using CampaignStudio.Analytics.Lifetime;
using CampaignStudio.Analytics.Recommendations;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Bench;

/// <summary>
/// Lifetime models and recommendations at shop scale, on synthetic data generated here: customers simulated from the
/// BG/NBD and Gamma-Gamma processes themselves (so the fit can be checked against the true parameters), and purchases
/// of customers with tastes for groups of products (so co-purchases carry signal).
/// </summary>
public static class PredictiveBenchmark
{
    // True parameters of the simulation, in days: a purchase every ~60 days on average, dropout after ~1 in 4 purchases.
    private const double R = 0.5, Alpha = 30, A = 0.8, B = 2.5;
    private const double P = 6, Q = 4, Gamma = 15;

    public static PredictiveBenchmarkResult Run(int customers, int purchasesPerCustomer, CancellationToken ct)
    {
        var lifetime = RunLifetime(customers, ct);
        var recommendations = RunRecommendations(customers, purchasesPerCustomer, ct);
        return new PredictiveBenchmarkResult(lifetime, recommendations);
    }

    private static LifetimeRow RunLifetime(int customers, CancellationToken ct)
    {
        var points = Simulate(customers, seed: 11);
        var end = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var watch = Stopwatch.StartNew();
        var histories = PurchaseHistories.Build(points, end).Select(h => h.History).ToArray();
        var build = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: {points.Count:N0} purchases → {histories.Length:N0} histories in {build:F2} s");

        watch.Restart();
        var purchases = BgNbd.Fit(histories);
        var fitPurchases = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: BG/NBD fit {fitPurchases:F2} s: r={purchases.R:F3} α={purchases.Alpha:F2} a={purchases.A:F3} b={purchases.B:F3}");
        ct.ThrowIfCancellationRequested();

        watch.Restart();
        var spend = GammaGamma.Fit(histories);
        var fitSpend = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: Gamma-Gamma fit {fitSpend:F2} s: p={spend.P:F2} q={spend.Q:F2} γ={spend.Gamma:F2}");

        var model = new LifetimeModel(purchases, spend);
        watch.Restart();
        var scores = new LifetimeScore[histories.Length];
        Parallel.For(0, histories.Length, new ParallelOptions { CancellationToken = ct }, i => scores[i] = model.Score(histories[i]));
        var bands = ValueBands.Assign([.. scores.Select(s => s.ExpectedValue)]);
        var score = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: scored {histories.Length:N0} customers (P(alive), 30/90/365 days, value, bands) in {score:F2} s");
        return new LifetimeRow(histories.Length, points.Count, histories.Count(h => h.Frequency > 0), build, fitPurchases, fitSpend, score, purchases, spend, bands.Length);
    }

    /// <summary>BG/NBD customers: rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b) after each repeat purchase, observed 30–730 days.</summary>
    private static List<PurchasePoint> Simulate(int customers, int seed)
    {
        var rng = new Random(seed);
        var end = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var points = new List<PurchasePoint>(customers * 3);
        for (var c = 0; c < customers; c++)
        {
            var lambda = MathNet.Numerics.Distributions.Gamma.Sample(rng, R, Alpha);
            var p = Beta.Sample(rng, A, B);
            var nu = MathNet.Numerics.Distributions.Gamma.Sample(rng, Q, Gamma);
            var age = 30 + rng.Next(701);
            var first = end.AddDays(-age);
            // The first purchase opens the relationship; dropping out is possible only after a repeat purchase (as in the model).
            points.Add(new PurchasePoint(c, first, MathNet.Numerics.Distributions.Gamma.Sample(rng, P, nu)));
            double t = 0;
            while (true)
            {
                t += Exponential.Sample(rng, lambda);
                if (t > age)
                {
                    break;
                }

                points.Add(new PurchasePoint(c, first.AddDays(t), MathNet.Numerics.Distributions.Gamma.Sample(rng, P, nu)));
                if (rng.NextDouble() < p)
                {
                    break;
                }
            }
        }

        return points;
    }

    private static RecommendationRow RunRecommendations(int customers, int purchasesPerCustomer, CancellationToken ct)
    {
        const int groups = 50, perGroup = 200;
        var items = groups * perGroup;
        var rng = new Random(5);
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var names = Enumerable.Range(0, items).Select(i => $"product {i}").ToArray();

        // Within a group, popularity falls off like 1/rank; a fifth of purchases are from anywhere.
        var cumulative = new double[perGroup];
        for (var i = 0; i < perGroup; i++)
        {
            cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + (1.0 / (i + 1));
        }

        int InGroup()
        {
            var k = Array.BinarySearch(cumulative, rng.NextDouble() * cumulative[^1]);
            return k < 0 ? Math.Min(~k, perGroup - 1) : k;
        }
        var purchases = new List<ItemPurchase>(customers * purchasesPerCustomer);
        for (var c = 0; c < customers; c++)
        {
            var taste = rng.Next(groups);
            var n = 1 + rng.Next(2 * purchasesPerCustomer - 1);
            for (var k = 0; k < n; k++)
            {
                var group = rng.NextDouble() < 0.8 ? taste : rng.Next(groups);
                purchases.Add(new ItemPurchase(c, names[group * perGroup + InGroup()], start.AddMinutes(rng.Next(365 * 24 * 60))));
            }
        }

        Console.WriteLine($"predictive: {customers:N0} customers, {purchases.Count:N0} purchases, {items:N0} products");
        ct.ThrowIfCancellationRequested();

        // Train on everything and recommend 10 products to every customer (what a campaign send needs).
        var watch = Stopwatch.StartNew();
        var ids = names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        var byCustomer = new List<(DateTime, int)>[customers];
        foreach (var p in purchases)
        {
            (byCustomer[p.CustomerId] ??= []).Add((p.At, ids[p.Item]));
        }

        var histories = byCustomer.Select(h => h is null ? [] : RecommenderEvaluation.DistinctInOrder(h)).ToArray();
        var prepare = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var model = ItemToItemRecommender.Train(histories, items);
        var train = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: item-to-item model trained in {train:F2} s (+{prepare:F2} s grouping)");
        watch.Restart();
        var lists = new int[customers][];
        Parallel.For(0, customers, new ParallelOptions { CancellationToken = ct }, c => lists[c] = model.Recommend(histories[c], 10));
        var recommend = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"predictive: 10 recommendations for each of {customers:N0} customers in {recommend:F2} s");

        // Quality: the last 3 months held out.
        watch.Restart();
        var evaluation = RecommenderEvaluation.TimeSplit(purchases, start.AddDays(273), [5, 10]);
        var evaluate = watch.Elapsed.TotalSeconds;
        foreach (var h in evaluation.HitRates)
        {
            Console.WriteLine($"predictive: hit rate @{h.ListLength}: item-to-item {h.ModelHitRate:P1}, most popular {h.PopularHitRate:P1}");
        }

        return new RecommendationRow(customers, purchases.Count, items, prepare, train, recommend, evaluate, evaluation);
    }
}

public sealed record LifetimeRow(int Customers, int Purchases, int RepeatBuyers, double BuildSeconds, double FitPurchasesSeconds, double FitSpendSeconds, double ScoreSeconds,
    BgNbdParameters Purchases_, GammaGammaParameters Spend, int Banded);

public sealed record RecommendationRow(int Customers, int Purchases, int Products, double PrepareSeconds, double TrainSeconds, double RecommendSeconds, double EvaluateSeconds,
    RecommenderEvaluationResult Evaluation);

public sealed record PredictiveBenchmarkResult(LifetimeRow Lifetime, RecommendationRow Recommendations)
{
    public string ToMarkdown(MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var l = Lifetime;
        var r = Recommendations;
        var s = new StringBuilder();
        s.AppendLine("## predictive — lifetime value and recommendations");
        s.AppendLine();
        s.AppendLine(inv, $"Machine: {machine.Line}");
        s.AppendLine();
        s.Append(inv, $"**Lifetime value.** {l.Customers:N0} customers simulated from BG/NBD (r = 0.5, α = 30 days, a = 0.8, b = 2.5) and Gamma-Gamma ")
            .Append(inv, $"(p = 6, q = 4, γ = 15), observed 30–730 days: {l.Purchases:N0} purchases, {l.RepeatBuyers:N0} repeat buyers. Same code path as the studio's job ")
            .AppendLine("(histories from the purchase log, maximum likelihood with Nelder–Mead on log-parameters, scoring in parallel).");
        s.AppendLine();
        s.AppendLine("| step | seconds | result |");
        s.AppendLine("|---|---:|---|");
        s.AppendLine(inv, $"| purchase log → (x, t_x, T, m_x) per customer | {l.BuildSeconds:F2} | {l.Customers:N0} histories |");
        s.AppendLine(inv, $"| BG/NBD fit | {l.FitPurchasesSeconds:F2} | r = {l.Purchases_.R:F3}, α = {l.Purchases_.Alpha:F2}, a = {l.Purchases_.A:F3}, b = {l.Purchases_.B:F3} |");
        s.AppendLine(inv, $"| Gamma-Gamma fit | {l.FitSpendSeconds:F2} | p = {l.Spend.P:F2}, q = {l.Spend.Q:F2}, γ = {l.Spend.Gamma:F2} |");
        s.AppendLine(inv, $"| score: P(alive), purchases in 30/90/365 days, value, bands | {l.ScoreSeconds:F2} | {l.Customers / Math.Max(l.ScoreSeconds, 1e-9):N0} customers/s |");
        s.AppendLine();
        s.Append(inv, $"**Recommendations.** {r.Customers:N0} customers, {r.Purchases:N0} purchases of {r.Products:N0} products in 50 taste groups ")
            .AppendLine("(80 % of a customer's purchases from their group, popularity 1/rank within a group).");
        s.AppendLine();
        s.AppendLine("| step | seconds |");
        s.AppendLine("|---|---:|");
        s.AppendLine(inv, $"| group purchases per customer | {r.PrepareSeconds:F2} |");
        s.AppendLine(inv, $"| train item-to-item (co-purchase cosine, 50 neighbours per product) | {r.TrainSeconds:F2} |");
        s.AppendLine(inv, $"| 10 recommendations for every customer | {r.RecommendSeconds:F2} |");
        s.AppendLine(inv, $"| time-split evaluation (train on 9 months, test on 3) | {r.EvaluateSeconds:F2} |");
        s.AppendLine();
        var rates = string.Join("; ", r.Evaluation.HitRates.Select(h => string.Create(inv, $"@{h.ListLength}: item-to-item {h.ModelHitRate:P1}, most popular {h.PopularHitRate:P1}")));
        s.AppendLine(inv, $"Hit rates on the last 3 months ({r.Evaluation.TestCustomers:N0} returning customers): {rates}.");
        return s.ToString();
    }
}
