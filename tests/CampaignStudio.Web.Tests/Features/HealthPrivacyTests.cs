using CampaignStudio.Web.Features.SenderHealth;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The small-groups rule on sender health figures (k = 10): what is hidden, what goes with it, and rounded totals.</summary>
public sealed class HealthPrivacyTests
{
    [Fact]
    public void ASmallCountIsHiddenWithItsRateAndLargeOnesStay()
    {
        var f = HealthPrivacy.Apply(new HealthCounts(Sent: 1_000, HardBounced: 50, SoftBounced: 0, Complaints: 3, Unsubscribes: 0), 10);

        f.Sent.ShouldBe(new ShownCount(1_000));
        f.Delivered.ShouldBe(new ShownCount(950));
        f.HardBounceRate.ShouldBe(new ShownRate(0.05));
        f.Complaints.ShouldBe(new ShownCount(null), "3 people who complained are a small group");
        f.ComplaintRate.ShouldBe(new ShownRate(null), "3 / 950 would give the 3 back");
        f.Unsubscribes.ShouldBe(new ShownCount(0), "nobody is a group that reveals no one");
        f.UnsubscribeRate.ShouldBe(new ShownRate(0));
    }

    [Fact]
    public void AHiddenBounceCountTakesDeliveredWithIt()
    {
        var f = HealthPrivacy.Apply(new HealthCounts(Sent: 500, HardBounced: 4, SoftBounced: 20, Complaints: 0, Unsubscribes: 0), 10);

        f.HardBounced.Value.ShouldBeNull();
        f.Delivered.Value.ShouldBeNull("sent − soft − delivered would be the 4 hard bounces");
        f.ComplaintRate.Value.ShouldBeNull("its base is hidden");
        f.SoftBounceRate.ShouldBe(new ShownRate(0.04));
    }

    [Fact]
    public void AGroupSentToFewerThanKShowsNothingAndAFigureWhoseRestIsSmallIsHidden()
    {
        HealthPrivacy.Apply(new HealthCounts(6, 0, 0, 0, 0), 10).ShouldBe(HealthPrivacy.Apply(new HealthCounts(9, 1, 1, 1, 1), 10));
        HealthPrivacy.Apply(new HealthCounts(6, 0, 0, 0, 0), 10).Sent.Value.ShouldBeNull();
        HealthPrivacy.Apply(new HealthCounts(100, 95, 0, 0, 0), 10).HardBounced.Value.ShouldBeNull("95 of 100 names the 5 who did not bounce");
    }

    [Fact]
    public void ATotalNextToAPartThatHidesAFigureShowsItRoundedToK()
    {
        var big = new HealthCounts(1_000, 40, 0, 12, 30);
        var small = new HealthCounts(400, 20, 0, 3, 10);

        var total = HealthPrivacy.ApplyTotal(big.Add(small), [big, small], 10);

        total.Complaints.ShouldBe(new ShownCount(20, About: true), "15 rounded to a multiple of 10, so 15 − 12 does not give the hidden 3");
        total.ComplaintRate.About.ShouldBeTrue();
        total.HardBounced.ShouldBe(new ShownCount(60), "no part hides its hard bounces");
        total.Sent.ShouldBe(new ShownCount(1_400));
    }
}
