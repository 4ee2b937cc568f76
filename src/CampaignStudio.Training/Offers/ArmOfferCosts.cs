using CampaignStudio.Analytics.Offers;
using CampaignStudio.Domain.Experiments;

namespace CampaignStudio.Training.Offers;

/// <summary>The one place that turns an arm's stored costs into the <see cref="OfferCosts"/> the offer learners value customers with.</summary>
public static class ArmOfferCosts
{
    public static OfferCosts Of(Variant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        return new OfferCosts(variant.DiscountShare, variant.MessageCost, variant.RedemptionCost, variant.SendsAMessage);
    }
}
