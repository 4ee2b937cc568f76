using CampaignStudio.Analytics.Offers;

namespace CampaignStudio.Analytics.Tests.Offers;

/// <summary>
/// A shop with four offers and four kinds of customers, with every customer's true expected value under every offer known:
/// loyal buyers buy anyway (a discount only gives margin away), occasional buyers need 10 % off, price-sensitive ones need
/// 20 % off, and recent buyers are put off by more mail. Which kind a customer is follows from the covariates
/// (recency, orders last year, share of past orders bought on discount), as it would in a real shop's data.
/// </summary>
internal sealed record SyntheticShop(OfferExperiment Experiment, double[][] TrueValues, string[] Kind)
{
    public const double Margin = 0.40;

    public static readonly string[] Arms = ["No message", "Plain e-mail", "10 % off", "20 % off"];

    public static readonly OfferCosts[] Costs =
        [OfferCosts.NoMessage, new(MessageCost: 0.01), new(Discount: 0.10, MessageCost: 0.01), new(Discount: 0.20, MessageCost: 0.01)];

    // Purchase probability per arm (no message, e-mail, 10 %, 20 %) for each kind of customer.
    private static readonly Dictionary<string, double[]> BuyRates = new(StringComparer.Ordinal)
    {
        ["loyal"] = [0.50, 0.50, 0.53, 0.56],
        ["occasional"] = [0.05, 0.08, 0.15, 0.17],
        ["price-sensitive"] = [0.02, 0.03, 0.05, 0.20],
        ["recent"] = [0.30, 0.20, 0.22, 0.25],
    };

    /// <param name="n">Customers.</param>
    /// <param name="seed">Seed of the customers and of the draw.</param>
    /// <param name="onlyOccasional">Every customer occasional: nobody differs, so no per-customer policy can beat one offer.</param>
    /// <param name="launch">
    /// Instead of a randomized test, the offers a launched policy sent (given each customer's kind), with their logged
    /// propensities: the data a later campaign's exploration brings.
    /// </param>
    public static SyntheticShop Create(int n, int seed, bool onlyOccasional = false, Func<string[], LaunchDraw[]>? launch = null)
    {
        var random = new Random(seed);
        var features = new float[n][];
        var arm = new int[n];
        var revenue = new double[n];
        var orders = new int[n];
        var truth = new double[n][];
        var kinds = new string[n];
        for (var i = 0; i < n; i++)
        {
            var u = random.NextDouble();
            var kind = onlyOccasional ? "occasional" : u < 0.2 ? "loyal" : u < 0.6 ? "occasional" : u < 0.8 ? "price-sensitive" : "recent";
            var recency = kind == "recent" ? random.Next(0, 30) : random.Next(30, 366);
            var ordersLastYear = kind == "loyal" ? random.Next(6, 13) : random.Next(0, 6);
            var discountShare = kind == "price-sensitive" ? 0.6 + 0.4 * random.NextDouble() : kind == "occasional" ? 0.6 * random.NextDouble() : random.NextDouble();
            var orderValue = 30 + 90 * random.NextDouble();
            features[i] = [recency, ordersLastYear, (float)discountShare, (float)orderValue, (float)random.NextDouble(), random.Next(0, 21)];
            kinds[i] = kind;

            var rates = BuyRates[kind];
            truth[i] = Enumerable.Range(0, Arms.Length)
                .Select(a => rates[a] * orderValue * (Margin - Costs[a].Discount) - (Costs[a].SendsMessage ? Costs[a].MessageCost : 0) - Costs[a].RedemptionCost * rates[a])
                .ToArray();

            arm[i] = random.Next(Arms.Length);
            if (random.NextDouble() < rates[arm[i]])
            {
                orders[i] = 1;

                // Basket size varies around the customer's usual order value (mean 1, so the truth above stays exact).
                revenue[i] = orderValue * (0.5 + random.NextDouble());
            }
        }

        double[]? propensity = null;
        if (launch is not null)
        {
            // A second stream, so the randomized shops above stay exactly as they were.
            var draws = launch(kinds);
            var outcomes = new Random(seed + 1);
            arm = draws.Select(d => d.Arm).ToArray();
            propensity = draws.Select(d => d.Propensity).ToArray();
            for (var i = 0; i < n; i++)
            {
                var bought = outcomes.NextDouble() < BuyRates[kinds[i]][arm[i]];
                orders[i] = bought ? 1 : 0;
                revenue[i] = bought ? features[i][3] * (0.5 + outcomes.NextDouble()) : 0;
            }
        }

        var value = OfferValue.Of(arm, revenue, orders, Costs, Margin);
        var experiment = new OfferExperiment(
            features, ["days since last order", "orders last year", "share bought on discount", "usual order value", "noise", "e-mails opened"],
            Arms, controlArm: 0, armShares: [0.25, 0.25, 0.25, 0.25], arm, value, propensity);
        return new SyntheticShop(experiment, truth, kinds);
    }

    /// <summary>True mean value per customer of an assignment (an arm per customer).</summary>
    public double TrueValue(int[] assignment) => assignment.Select((a, i) => TrueValues[i][a]).Average();

    /// <summary>True mean value per customer of giving everyone <paramref name="arm"/>.</summary>
    public double TrueValueOfArm(int arm) => TrueValues.Average(v => v[arm]);

    /// <summary>True mean value per customer when everyone gets their best offer.</summary>
    public double OracleValue => TrueValues.Average(v => v.Max());

    /// <summary>Share of the oracle's gain over "no message" an assignment captures.</summary>
    public double CapturedShare(int[] assignment) => (TrueValue(assignment) - TrueValueOfArm(0)) / (OracleValue - TrueValueOfArm(0));
}
