using System.Globalization;
using System.Text;

namespace CampaignStudio.TestSupport.Web;

/// <summary>
/// A results file of a four-offer test in a synthetic shop whose customers' best offer is known (the Analytics tests'
/// SyntheticShop, as a CSV): loyal buyers buy anyway, so any offer gives margin away; occasional buyers need 10 % off;
/// price-sensitive ones need 20 % off; recent buyers are put off by more mail. The kind follows from the covariates.
/// </summary>
public static class OfferShopCsv
{
    public const string NoMessage = "No message";

    public static readonly string[] Arms = [NoMessage, "Mail", "10 % off", "20 % off"];

    /// <summary>Discount of each arm, as a share of the order value.</summary>
    public static readonly double[] Discounts = [0, 0, 0.10, 0.20];

    // Purchase probability per arm (no message, mail, 10 %, 20 %) for each kind of customer.
    private static readonly Dictionary<string, double[]> BuyRates = new(StringComparer.Ordinal)
    {
        ["loyal"] = [0.50, 0.50, 0.52, 0.55],
        ["occasional"] = [0.05, 0.08, 0.20, 0.21],
        ["price-sensitive"] = [0.02, 0.03, 0.05, 0.30],
        ["recent"] = [0.30, 0.15, 0.17, 0.20],
    };

    /// <summary>
    /// The kind of customer a row's covariates (as the import keeps them, <c>CovariatesJson</c>) say: the generator below gives
    /// only recent buyers under 30 days, only loyal ones 6 orders or more, only price-sensitive ones a discount share from 0.6.
    /// </summary>
    public static string KindOf(string covariatesJson)
    {
        var c = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(covariatesJson)!;
        double Read(string name) => double.Parse(c[name], CultureInfo.InvariantCulture);
        return Read("days_since_last_order") < 30 ? "recent" : Read("orders_last_year") >= 6 ? "loyal" : Read("share_bought_on_discount") >= 0.55 ? "price-sensitive" : "occasional";
    }

    /// <summary>The row's usual order value: what a purchase brings before the discount.</summary>
    public static double OrderValueOf(string covariatesJson) =>
        double.Parse(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(covariatesJson)!["usual_order_value"], CultureInfo.InvariantCulture);

    /// <summary>The chance the row's customer buys under the offer <paramref name="arm"/> (an index of <see cref="Arms"/>).</summary>
    public static double BuyRate(string covariatesJson, int arm) => BuyRates[KindOf(covariatesJson)][arm];

    /// <summary>
    /// The true expected value of the row's customer under the offer <paramref name="arm"/>: order value × buy rate × (margin −
    /// discount) − the message cost when the offer sends one (decision 042's value, redemption costing nothing).
    /// </summary>
    public static double ExpectedValue(string covariatesJson, int arm, double margin, double messageCost) =>
        OrderValueOf(covariatesJson) * BuyRate(covariatesJson, arm) * (margin - Discounts[arm]) - (arm == 0 ? 0 : messageCost);

    /// <summary>The file: customer_id (S-000001 …), offer, four covariates, converted, revenue; arms drawn with equal chances.</summary>
    public static string Create(int customers, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("customer_id,offer,days_since_last_order,orders_last_year,share_bought_on_discount,usual_order_value,converted,revenue\n");
        for (var i = 0; i < customers; i++)
        {
            var u = random.NextDouble();
            var kind = u < 0.2 ? "loyal" : u < 0.6 ? "occasional" : u < 0.8 ? "price-sensitive" : "recent";
            var recency = kind == "recent" ? random.Next(0, 30) : random.Next(30, 366);
            var orders = kind == "loyal" ? random.Next(6, 13) : random.Next(0, 6);
            var discountShare = kind == "price-sensitive" ? 0.6 + 0.4 * random.NextDouble() : kind == "occasional" ? 0.5 * random.NextDouble() : random.NextDouble();
            var orderValue = Math.Round(30 + 90 * random.NextDouble(), 2);
            var arm = random.Next(Arms.Length);
            var bought = random.NextDouble() < BuyRates[kind][arm];
            csv.Append(CultureInfo.InvariantCulture,
                $"S-{i + 1:000000},{Arms[arm]},{recency},{orders},{discountShare:0.000},{orderValue:0.00},{(bought ? 1 : 0)},{(bought ? orderValue : 0):0.00}\n");
        }

        return csv.ToString();
    }
}
