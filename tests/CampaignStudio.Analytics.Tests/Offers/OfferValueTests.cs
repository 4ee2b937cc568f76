using CampaignStudio.Analytics.Offers;

namespace CampaignStudio.Analytics.Tests.Offers;

public class OfferValueTests
{
    [Fact]
    public void DiscountComesOutOfTheMarginAndCostsAreSubtracted()
    {
        // 2 orders worth 150 in total, 40 % margin, 10 % off, 0.01 per mail, 1.50 per redemption:
        // 150 × (0.40 − 0.10) − 0.01 − 1.50 × 2 = 45 − 0.01 − 3 = 41.99
        var value = OfferValue.Of(150, 2, new OfferCosts(Discount: 0.10, MessageCost: 0.01, RedemptionCost: 1.50), margin: 0.40);

        value.ShouldBe(41.99, 1e-12);
    }

    [Fact]
    public void NoMessageCostsNothingAndKeepsTheWholeMargin()
    {
        OfferValue.Of(80, 1, OfferCosts.NoMessage, 0.40).ShouldBe(32, 1e-12);
        OfferValue.Of(0, 0, OfferCosts.NoMessage, 0.40).ShouldBe(0);
    }

    [Fact]
    public void AMessageCostsEvenWhenNobodyBuys()
    {
        OfferValue.Of(0, 0, new OfferCosts(MessageCost: 0.02), 0.40).ShouldBe(-0.02, 1e-12);
    }

    [Fact]
    public void ADiscountOnALoyalBuyersOrderIsALoss()
    {
        // The loyal customer buys 100 either way: 40 without the offer, 100 × (0.40 − 0.20) − 0.01 = 19.99 with a 20 % discount.
        var without = OfferValue.Of(100, 1, OfferCosts.NoMessage, 0.40);
        var with = OfferValue.Of(100, 1, new OfferCosts(Discount: 0.20, MessageCost: 0.01), 0.40);

        (with - without).ShouldBe(-20.01, 1e-12);
    }

    [Fact]
    public void ValuesEachCustomerInTheArmTheyWereIn()
    {
        OfferCosts[] costs = [OfferCosts.NoMessage, new(MessageCost: 0.01), new(Discount: 0.10, MessageCost: 0.01, RedemptionCost: 0.5)];

        var values = OfferValue.Of([0, 1, 2, 2], [50, 50, 50, 0], [1, 1, 1, 0], costs, margin: 0.30);

        // 50 × 0.30 = 15; 15 − 0.01 = 14.99; 50 × 0.20 − 0.01 − 0.5 = 9.49; nothing bought in a mailed arm: −0.01
        values.ShouldBe([15, 14.99, 9.49, -0.01], tolerance: 1e-12);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    public void RejectsADiscountThatIsNotAShare(double discount)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => OfferValue.Of([0], [1], [1], [new OfferCosts(Discount: discount)], 0.4));
    }

    [Fact]
    public void RejectsAMarginOutsideZeroToOne()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => OfferValue.Of([0], [1], [1], [OfferCosts.NoMessage], 0));
        Should.Throw<ArgumentOutOfRangeException>(() => OfferValue.Of([0], [1], [1], [OfferCosts.NoMessage], 1.5));
    }
}
