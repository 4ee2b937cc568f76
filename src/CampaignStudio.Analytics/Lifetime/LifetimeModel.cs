namespace CampaignStudio.Analytics.Lifetime;

/// <summary>What the lifetime models say about one customer.</summary>
/// <param name="ProbabilityAlive">Chance the customer still buys from us (has not silently left).</param>
/// <param name="Purchases30">Purchases to expect in the next 30 days.</param>
/// <param name="Purchases90">Purchases to expect in the next 90 days.</param>
/// <param name="Purchases365">Purchases to expect in the next 365 days.</param>
/// <param name="AverageSpend">Expected amount per purchase (Gamma-Gamma).</param>
/// <param name="ExpectedValue">Expected spend over the next 365 days, discounted when a rate is set.</param>
public readonly record struct LifetimeScore(
    double ProbabilityAlive, double Purchases30, double Purchases90, double Purchases365, double AverageSpend, double ExpectedValue)
{
    /// <summary>1 − P(alive): the chance the customer has already left.</summary>
    public double ChurnRisk => 1 - ProbabilityAlive;
}

/// <summary>
/// BG/NBD for how often and how long, Gamma-Gamma for how much: the two fitted models together, scoring histories
/// measured in days.
/// </summary>
/// <param name="Purchases">The repeat-purchase model (fitted on days).</param>
/// <param name="Spend">The spend model.</param>
/// <param name="AnnualDiscountRate">Yearly rate that discounts future spend to today (0.1 = 10 %); 0 for none.</param>
public sealed record LifetimeModel(BgNbdParameters Purchases, GammaGammaParameters Spend, double AnnualDiscountRate = 0)
{
    private const int Months = 12;

    /// <summary>Fits both models on the same histories (in days).</summary>
    public static LifetimeModel Fit(IReadOnlyList<RepeatHistory> histories, double annualDiscountRate = 0) =>
        new(BgNbd.Fit(histories), GammaGamma.Fit(histories), annualDiscountRate);

    /// <summary>Scores one customer.</summary>
    public LifetimeScore Score(RepeatHistory h)
    {
        var spend = GammaGamma.ExpectedAverageSpend(Spend, h);
        var p30 = BgNbd.ExpectedPurchases(Purchases, h, 30);
        var p90 = BgNbd.ExpectedPurchases(Purchases, h, 90);
        var p365 = BgNbd.ExpectedPurchases(Purchases, h, 365);
        return new LifetimeScore(BgNbd.ProbabilityAlive(Purchases, h), p30, p90, p365, spend, ExpectedValue(h, p365, spend));
    }

    // Without discounting: purchases in a year × spend per purchase. With it: month by month, each month's expected
    // purchases discounted to the middle of that month.
    private double ExpectedValue(RepeatHistory h, double purchasesInYear, double spend)
    {
        if (AnnualDiscountRate <= 0)
        {
            return purchasesInYear * spend;
        }

        double value = 0, before = 0;
        for (var month = 1; month <= Months; month++)
        {
            var upTo = month == Months ? purchasesInYear : BgNbd.ExpectedPurchases(Purchases, h, 365.0 * month / Months);
            value += (upTo - before) * spend / Math.Pow(1 + AnnualDiscountRate, (month - 0.5) / Months);
            before = upTo;
        }

        return value;
    }
}

/// <summary>One bar pair of the holdout check: customers with this many calibration repeats, and their holdout purchases.</summary>
/// <param name="Label">"0", "1", …, "6+".</param>
/// <param name="Customers">How many customers are in the group.</param>
/// <param name="Actual">Average purchases they made in the holdout.</param>
/// <param name="Predicted">Average purchases the model expected of them.</param>
public sealed record HoldoutBucket(string Label, int Customers, double Actual, double Predicted);

/// <summary>The classic BG/NBD check: predicted against actual holdout purchases, by calibration frequency.</summary>
public static class HoldoutCheck
{
    /// <summary>Groups customers by repeat purchases in calibration (0 to <paramref name="topBucket"/>+) and averages both sides.</summary>
    public static IReadOnlyList<HoldoutBucket> ByFrequency(BgNbdParameters p, IReadOnlyList<CustomerHistory> customers, double holdoutLength, int topBucket = 6)
    {
        var actual = new double[topBucket + 1];
        var predicted = new double[topBucket + 1];
        var counts = new int[topBucket + 1];
        foreach (var c in customers)
        {
            var k = Math.Min(c.History.Frequency, topBucket);
            counts[k]++;
            actual[k] += c.HoldoutPurchases;
            predicted[k] += BgNbd.ExpectedPurchases(p, c.History, holdoutLength);
        }

        return [.. Enumerable.Range(0, topBucket + 1)
            .Where(k => counts[k] > 0)
            .Select(k => new HoldoutBucket(k == topBucket ? $"{k}+" : $"{k}", counts[k], actual[k] / counts[k], predicted[k] / counts[k]))];
    }
}
