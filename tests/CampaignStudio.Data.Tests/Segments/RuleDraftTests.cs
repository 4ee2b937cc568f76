using CampaignStudio.Domain.Segments.Rules;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

public sealed class RuleDraftTests
{
    private static RuleCondition Country(string? value) => new(F.Country, EqualTo) { Value = value };

    [Fact]
    public void AConditionNotFilledInIsLeftOutAndNamedInWords()
    {
        var draft = new SegmentRule { Root = new RuleGroup(GroupOperator.And, [Country("Austria"), Country(null)]) };

        var countable = RuleDraft.Countable(draft);

        countable.Rule.ShouldBe(new SegmentRule { Root = new RuleGroup(GroupOperator.And, [Country("Austria")]) });
        countable.Unfinished.Single().ForMarketer.ShouldBe("Condition 2 (Country) in “All of these match”: enter a value (to find customers without one, use “is empty”).");
        SegmentRuleValidator.Check(countable.Rule).ShouldBeNull();
    }

    [Fact]
    public void AGroupWithOnlyUnfinishedConditionsIsLeftOutAndNothingLeftMeansEveryone()
    {
        var draft = new SegmentRule
        {
            Root = new RuleGroup(GroupOperator.And,
            [
                new RuleGroup(GroupOperator.Or, [new RuleCondition(F.Event, Did) { Count = 1 }, new RuleCondition(F.BirthYear, Between) { Values = ["1970"] }]),
                new RuleGroup(GroupOperator.Not, []),
            ]),
        };

        var countable = RuleDraft.Countable(draft);

        countable.Rule.ShouldBeNull();
        countable.Unfinished.Select(p => p.ForMarketer).ShouldBe(
        [
            "Condition 1 (Did an activity) in group 1, “Any of these match”: enter the activity type.",
            "Condition 2 (Year of birth) in group 1, “Any of these match”: enter from and to, separated by a comma (e.g. 10, 100).",
            "Group 2 “None of these match” in “All of these match”: add a condition, or remove the group.",
        ]);
    }

    [Fact]
    public void AWrongValueStaysInSoTheCountReportsIt()
    {
        var draft = new SegmentRule { Root = new RuleGroup(GroupOperator.Or, [new RuleCondition(F.PurchaseTotal, AtLeast) { Value = "1,5" }]) };

        var countable = RuleDraft.Countable(draft);

        countable.Unfinished.ShouldBeEmpty();
        SegmentRuleValidator.Check(countable.Rule).ShouldNotBeNull().ForMarketer
            .ShouldBe("Condition 1 (Total spent) in “Any of these match”: enter an amount like 12.50 (a dot before the cents), not “1,5”.");
    }

    [Theory]
    [InlineData(F.EmailConsent, EqualTo, null, "choose a value")]
    [InlineData(F.EmailConsent, EqualTo, "yes", "choose one of “Unknown”, “Pending confirmation”, “Opted in”, “Opted out”, “Bounced”, “Complained”")]
    [InlineData(F.CreatedAt, Before, "31.12.2025", "enter a date as yyyy-mm-dd (e.g. 2025-03-31), not “31.12.2025”")]
    [InlineData(F.RfmRecency, EqualTo, "7", "enter a whole number from 1 to 5, not 7")]
    [InlineData(F.Segment, MemberOf, "vip", "choose a segment from the list")]
    public void EveryProblemHasPlainWordsWithoutKeysOrPaths(string field, string op, string? value, string plain)
    {
        var rule = new SegmentRule { Root = new RuleCondition(field, op) { Value = value } };

        var problem = SegmentRuleValidator.Check(rule).ShouldNotBeNull();

        problem.Plain.ShouldBe(plain);
        problem.ForMarketer.ShouldNotContain("$.");
        problem.ForMarketer.ShouldNotContain($"'{field}'");
        problem.ForMarketer.ShouldStartWith($"The condition ({F.Find(field)!.Label}): ");
        problem.Message.ShouldContain("(at $.root)");
    }
}
