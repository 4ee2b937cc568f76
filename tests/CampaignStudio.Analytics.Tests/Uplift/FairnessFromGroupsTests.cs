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

        var perCustomer = FairnessCheck.Evaluate(groups, selected, uplift, minGroupSize: 1);
        var fromCounts = FairnessCheck.FromGroups([
            new GroupSelection("m", 5, 1, 0.2, 0), new GroupSelection("f", 4, 3, 0.75, 0), new GroupSelection("empty", 0, 0, 0, 0)], minGroupSize: 1);

        fromCounts.Groups.Select(g => (g.Group, g.N, g.Selected)).ShouldBe(perCustomer.Groups.Select(g => (g.Group, g.N, g.Selected)));
        fromCounts.DisparateImpactRatio.ShouldBe(0.2 / 0.75, 1e-12);
        perCustomer.DisparateImpactRatio.ShouldBe(0.2 / 0.75, 1e-12);
        fromCounts.Flagged.ShouldBeTrue();
    }

    [Fact]
    public void AGroupWhoseValueIsNotGivenIsListedButNotCompared()
    {
        // Nobody without a gender is mailed (they are mostly not opted in): 0 % would flag every campaign.
        var report = FairnessCheck.FromGroups([
            new GroupSelection("female", 400, 200, 0.5, double.NaN),
            new GroupSelection("male", 300, 135, 0.45, double.NaN),
            new GroupSelection("(not given)", 250, 0, 0, double.NaN)]);

        report.Groups.Select(g => g.Group).ShouldBe(["(not given)", "female", "male"]);
        report.Groups.Single(g => g.Group == "(not given)").Excluded.ShouldBe(FairnessExclusion.NotGiven);
        report.Compared.Select(g => g.Group).ShouldBe(["female", "male"]);
        report.DisparateImpactRatio.ShouldBe(0.9, 1e-12);
        report.Flagged.ShouldBeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("(unknown)")]
    [InlineData("(empty)")]
    public void EveryLabelForAMissingValueMeansNotGiven(string label)
    {
        FairnessCheck.IsNotGiven(label).ShouldBeTrue();
        FairnessCheck.IsNotGiven("Berlin").ShouldBeFalse();
    }

    [Fact]
    public void GroupsSmallerThanTheThresholdAreListedButNotCompared()
    {
        // Three customers in Oslo, none selected: chance, not a pattern (and their rate is hidden anyway).
        var groups = new[] { new GroupSelection("Berlin", 200, 100, 0.5, 0), new GroupSelection("Oslo", 3, 0, 0, 0), new GroupSelection("Paris", 100, 55, 0.55, 0) };

        var report = FairnessCheck.FromGroups(groups, minGroupSize: 10);

        report.Groups.Single(g => g.Group == "Oslo").Excluded.ShouldBe(FairnessExclusion.SmallGroup);
        report.MinGroupSize.ShouldBe(10);
        report.DisparateImpactRatio.ShouldBe(0.5 / 0.55, 1e-12);
        report.Flagged.ShouldBeFalse();

        // With k = 3 the group counts, and its 0 % is below four fifths.
        FairnessCheck.FromGroups(groups, minGroupSize: 3).Flagged.ShouldBeTrue();
    }

    [Fact]
    public void OnlyUnknownOrSmallGroupsMeanNoRatioAndNoFlag()
    {
        var report = FairnessCheck.FromGroups([new GroupSelection("(not given)", 500, 0, 0, 0), new GroupSelection("Oslo", 4, 4, 1, 0)]);

        double.IsNaN(report.DisparateImpactRatio).ShouldBeTrue();
        report.Flagged.ShouldBeFalse();
        report.Groups.Count.ShouldBe(2);
    }

    [Fact]
    public void NoGroupsMeansNoRatioAndNoFlag()
    {
        var report = FairnessCheck.FromGroups([]);
        double.IsNaN(report.DisparateImpactRatio).ShouldBeTrue();
        report.Flagged.ShouldBeFalse();
    }
}
