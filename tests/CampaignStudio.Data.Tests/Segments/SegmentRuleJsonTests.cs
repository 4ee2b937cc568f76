using CampaignStudio.Domain.Segments.Rules;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

public sealed class SegmentRuleJsonTests
{
    private static string Rule(string root) => $$"""{ "version": 1, "root": {{root}} }""";

    private static string Condition(string field, string op, string rest = "") =>
        $$"""{ "type": "condition", "field": "{{field}}", "operator": "{{op}}"{{rest}} }""";

    [Fact]
    public void ARuleSurvivesSerializeAndParse()
    {
        var rule = new SegmentRule
        {
            Root = new RuleGroup(GroupOperator.And,
            [
                new RuleCondition(F.Country, In) { Values = ["DE", "AT"] },
                new RuleGroup(GroupOperator.Or,
                [
                    new RuleCondition(F.Event, Did) { Key = "email_click", Count = 2, Days = 30 },
                    new RuleCondition(F.PurchaseTotal, Between) { Values = ["10.5", "200"], Days = 90 },
                ]),
                new RuleGroup(GroupOperator.Not, [new RuleCondition(F.Attribute, Contains) { Key = "favourite colour", Value = "blue \"sky\" ' OR 1=1 --" }]),
                new RuleCondition(F.ExperimentArm, EqualTo) { Key = "3", Value = "7" },
            ]),
        };

        var json = SegmentRuleJson.Serialize(rule);
        var parsed = SegmentRuleJson.Parse(json);

        parsed.Error.ShouldBeNull();
        parsed.Rule.ShouldBe(rule);
        json.ShouldContain("\"type\":\"group\"");
        json.ShouldContain("\"operator\":\"not\"");
    }

    [Fact]
    public void NumbersAndTextMeanTheSameValue()
    {
        var parsed = SegmentRuleJson.Parse(Rule(Condition(F.BirthYear, Between, """, "values": [1970, "1990"]""")));
        parsed.Rule!.Root.ShouldBe(new RuleCondition(F.BirthYear, Between) { Values = ["1970", "1990"] });
    }

    [Fact]
    public void TheDiscriminatorMayComeAfterOtherProperties()
    {
        SegmentRuleJson.Parse("""{ "root": { "field": "country", "operator": "equals", "value": "DE", "type": "condition" }, "version": 1 }""")
            .IsValid.ShouldBeTrue();
    }

    [Fact]
    public void AnInjectedFieldNameIsRefusedAsUnknown()
    {
        var parsed = SegmentRuleJson.Parse(Rule(Condition("email; DROP TABLE Customers--", EqualTo, """, "value": "x" """)));

        parsed.IsValid.ShouldBeFalse();
        parsed.Error.ShouldStartWith("Unknown field 'email; DROP TABLE Customers--'. Known fields: email, first_name, last_name,");
        parsed.Error.ShouldContain("(at $.root)");
    }

    [Fact]
    public void FieldNamesAreCaseSensitive()
    {
        SegmentRuleJson.Parse(Rule(Condition("Country", EqualTo, """, "value": "DE" """))).Error.ShouldStartWith("Unknown field 'Country'");
    }

    [Theory]
    [InlineData(F.Country, GreaterThan, """, "value": "DE" """, "Operator 'gt' is not allowed for field 'country'. Allowed: equals, not_equals,")]
    [InlineData(F.Country, "LIKE '%'", "", "Operator 'LIKE '%'' is not allowed for field 'country'")]
    [InlineData(F.BirthYear, EqualTo, """, "value": "nineteen" """, "Field 'birth_year' needs a whole number, not 'nineteen'")]
    [InlineData(F.PurchaseTotal, AtLeast, """, "value": "1,5" """, "Field 'purchase_total' needs a number like 12.50, not '1,5'")]
    [InlineData(F.CreatedAt, Before, """, "value": "31.12.2025" """, "Field 'created_at' needs a date as yyyy-MM-dd")]
    [InlineData(F.EmailConsent, EqualTo, """, "value": "yes" """, "Field 'email_consent' needs one of Unknown, Pending, OptedIn")]
    [InlineData(F.Country, EqualTo, "", "Operator 'equals' on field 'country' needs a value; to find missing values use 'is_empty'")]
    [InlineData(F.Country, In, """, "value": "DE" """, "Operator 'in' compares with a list")]
    [InlineData(F.Country, IsEmpty, """, "value": "DE" """, "Operator 'is_empty' takes no value")]
    [InlineData(F.BirthYear, Between, """, "values": [1990, 1970] """, "The range 1990–1970 is empty")]
    [InlineData(F.BirthYear, Between, """, "values": [1990] """, "needs exactly two values")]
    [InlineData(F.CreatedAt, WithinLastDays, "", "needs the number of days")]
    [InlineData(F.Country, EqualTo, """, "value": "DE", "days": 5 """, "takes no number of days")]
    [InlineData(F.Event, Did, "", "Field 'event' needs a key: the activity type")]
    [InlineData(F.Event, Did, """, "key": "visit", "count": 0 """, "The number of times must be between 1")]
    [InlineData(F.ExperimentArm, EqualTo, """, "key": "exp", "value": "1" """, "The experiment must be an id")]
    [InlineData(F.Segment, MemberOf, """, "value": "vip" """, "A segment is named by its id")]
    public void NonsenseConditionsAreRefusedWithAClearMessage(string field, string op, string rest, string expected)
    {
        var parsed = SegmentRuleJson.Parse(Rule(Condition(field, op, rest)));
        parsed.IsValid.ShouldBeFalse();
        parsed.Error.ShouldNotBeNull().ShouldContain(expected);
    }

    [Theory]
    [InlineData("{ \"version\": 1, \"root\": { \"type\": \"condition\", ", "The rule JSON is malformed at line 1")]
    [InlineData("{ \"version\": 1,\n  \"root\": [] }", "The rule JSON is malformed at line 2")]
    [InlineData("{ \"version\": 1, \"root\": { \"type\": \"sql\", \"text\": \"DROP TABLE x\" } }", "The rule JSON is malformed")]
    [InlineData("{ \"version\": 1, \"root\": { \"type\": \"condition\", \"field\": \"country\", \"operator\": \"equals\", \"value\": \"DE\", \"sql\": \"1=1\" } }", "sql")]
    [InlineData("{ \"version\": 1, \"root\": { \"type\": \"group\", \"operator\": \"xor\", \"children\": [] } }", "The rule JSON is malformed")]
    [InlineData("{ \"version\": 1, \"root\": { \"type\": \"group\", \"operator\": \"and\", \"children\": [] } }", "The AND group at $.root has no conditions.")]
    [InlineData("{ \"version\": 2, \"root\": { \"type\": \"condition\", \"field\": \"country\", \"operator\": \"is_empty\" } }", "Rule version 2 is not supported")]
    [InlineData("{ \"version\": 1 }", "The rule has no root group or condition.")]
    [InlineData("[]", "The rule JSON is malformed")]
    [InlineData("   ", "The rule is empty.")]
    public void MalformedJsonIsRefusedWithWhereItWentWrong(string json, string expected)
    {
        var parsed = SegmentRuleJson.Parse(json);
        parsed.IsValid.ShouldBeFalse();
        parsed.Error.ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void NestingDeeperThanTenLevelsIsRefused()
    {
        RuleNode node = new RuleCondition(F.Country, IsEmpty);
        for (var i = 0; i < SegmentRuleValidator.MaxDepth - 1; i++)
        {
            node = new RuleGroup(GroupOperator.And, [node]);
        }

        SegmentRuleJson.Parse(SegmentRuleJson.Serialize(new SegmentRule { Root = node })).IsValid.ShouldBeTrue();

        var tooDeep = new SegmentRule { Root = new RuleGroup(GroupOperator.Or, [node]) };
        SegmentRuleJson.Parse(SegmentRuleJson.Serialize(tooDeep)).Error.ShouldStartWith("The rule nests groups deeper than 10 levels");
    }

    [Fact]
    public void MoreThanTwoHundredConditionsAreRefused()
    {
        RuleNode[] Conditions(int n) => [.. Enumerable.Range(0, n).Select(i => new RuleCondition(F.City, EqualTo) { Value = $"City {i}" })];

        SegmentRuleJson.Parse(SegmentRuleJson.Serialize(new SegmentRule { Root = new RuleGroup(GroupOperator.Or, Conditions(200)) })).IsValid.ShouldBeTrue();
        SegmentRuleJson.Parse(SegmentRuleJson.Serialize(new SegmentRule { Root = new RuleGroup(GroupOperator.Or, Conditions(201)) }))
            .Error.ShouldBe("The rule has more than 200 conditions.");
    }

    [Fact]
    public void EveryCatalogueFieldHasOperatorsWithLabels()
    {
        foreach (var field in RuleFields.All)
        {
            field.Operators.ShouldNotBeEmpty();
            field.Operators.ShouldAllBe(op => Labels.ContainsKey(op));
            RuleFields.Find(field.Key).ShouldBe(field);
        }
    }
}
