namespace CampaignStudio.Analytics.Offers;

/// <summary>What one arm (offer) of an experiment costs the shop.</summary>
/// <param name="Discount">Discount as a share of the order value it is used on (0.10 for "10 % off").</param>
/// <param name="MessageCost">Fixed cost per message sent (sending, the mail provider).</param>
/// <param name="RedemptionCost">Fixed cost per order that redeems the offer (free shipping, handling).</param>
/// <param name="SendsMessage">False for the "no message" arm: it costs nothing to not send.</param>
public sealed record OfferCosts(double Discount = 0, double MessageCost = 0, double RedemptionCost = 0, bool SendsMessage = true)
{
    /// <summary>"No message": no mail, no discount, no cost.</summary>
    public static OfferCosts NoMessage { get; } = new(SendsMessage: false);

    /// <summary>Throws when a cost is negative or the discount is not a share in [0, 1).</summary>
    public void Validate()
    {
        if (!(Discount >= 0 && Discount < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Discount), Discount, "A discount is a share of the order value, from 0 up to (not including) 1.");
        }

        if (!(MessageCost >= 0) || !(RedemptionCost >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MessageCost), "Costs cannot be negative.");
        }
    }
}

/// <summary>
/// The value of a customer in an arm, in money: what the shop keeps after the discount and the costs of the offer.
/// Ranking offers by this (not by conversions) shows a discount that only subsidises loyal buyers as the loss it is.
/// </summary>
public static class OfferValue
{
    /// <summary>
    /// revenue × (margin − discount) − message cost (if the arm sends one) − redemption cost × orders.
    /// </summary>
    /// <param name="revenue">Order value before the discount, summed over the customer's orders in the attribution window.</param>
    /// <param name="orders">Number of those orders.</param>
    /// <param name="costs">The arm's costs.</param>
    /// <param name="margin">The shop's gross margin as a share of the order value (0.40 for 40 %).</param>
    public static double Of(double revenue, int orders, OfferCosts costs, double margin)
    {
        ArgumentNullException.ThrowIfNull(costs);
        return revenue * (margin - costs.Discount)
            - (costs.SendsMessage ? costs.MessageCost : 0)
            - costs.RedemptionCost * orders;
    }

    /// <summary>The value of every customer in the arm they were in.</summary>
    /// <param name="arm">Arm index per customer (into <paramref name="costs"/>).</param>
    /// <param name="revenue">Order value before discount per customer.</param>
    /// <param name="orders">Orders per customer.</param>
    /// <param name="costs">Costs per arm.</param>
    /// <param name="margin">The shop's gross margin.</param>
    public static double[] Of(int[] arm, double[] revenue, int[] orders, IReadOnlyList<OfferCosts> costs, double margin)
    {
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(revenue);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(costs);
        if (arm.Length != revenue.Length || arm.Length != orders.Length)
        {
            throw new ArgumentException("Arms, revenue and orders need one entry per customer.");
        }

        CheckMargin(margin);
        foreach (var c in costs)
        {
            c.Validate();
        }

        var value = new double[arm.Length];
        for (var i = 0; i < arm.Length; i++)
        {
            value[i] = Of(revenue[i], orders[i], costs[arm[i]], margin);
        }

        return value;
    }

    /// <summary>Throws unless the margin is a share in (0, 1].</summary>
    public static void CheckMargin(double margin)
    {
        if (!(margin > 0 && margin <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The gross margin is a share of the order value, above 0 and at most 1.");
        }
    }
}
