using CampaignStudio.Analytics.Uplift;

namespace CampaignStudio.Analytics.Tests.Uplift;

public sealed class FairnessFromGroupsTests
{
    [Fact]
    public void CountsGiveTheSameReportAsPerCustomerFlags()
    {
        string[] groups = ["f", "f", "f", "f", "m", "m", "m", "m", "m"];
        bool[] selected = [true, true, true, false, true, false, false, false, false];
        var uplift = new double[groups.Length];

        var perCustomer = FairnessCheck.Evaluate(groups, selected, uplift);
        var fromCounts = FairnessCheck.FromGroups([
            new GroupSelection("m", 5, 1, 0.2, 0), new GroupSelection("f", 4, 3, 0.75, 0), new GroupSelection("empty", 0, 0, 0, 0)]);

        fromCounts.Groups.Select(g => (g.Group, g.N, g.Selected)).ShouldBe(perCustomer.Groups.Select(g => (g.Group, g.N, g.Selected)));
        fromCounts.DisparateImpactRatio.ShouldBe(0.2 / 0.75, 1e-12);
        perCustomer.DisparateImpactRatio.ShouldBe(0.2 / 0.75, 1e-12);
        fromCounts.Flagged.ShouldBeTrue();
    }

    [Fact]
    public void NoGroupsMeansNoRatioAndNoFlag()
    {
        var report = FairnessCheck.FromGroups([]);
        double.IsNaN(report.DisparateImpactRatio).ShouldBeTrue();
        report.Flagged.ShouldBeFalse();
    }
}
