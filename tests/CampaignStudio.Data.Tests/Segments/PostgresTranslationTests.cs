using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>
/// Every condition kind also translates for PostgreSQL. <c>ToQueryString</c> needs no server: it proves EF Core can write
/// the SQL (an untranslatable expression throws), not that a server runs it.
/// </summary>
public sealed class PostgresTranslationTests
{
    [Fact]
    public async Task EveryConditionKindTranslatesForPostgres()
    {
        RuleNode[] conditions =
        [
            new RuleCondition(F.Country, EqualTo) { Value = "DE" },
            new RuleCondition(F.Email, Contains) { Value = "example" },
            new RuleCondition(F.LastName, StartsWith) { Value = "mü" },
            new RuleCondition(F.City, In) { Values = ["Berlin", "Wien"] },
            new RuleCondition(F.Gender, IsEmpty),
            new RuleCondition(F.Age, Between) { Values = ["30", "40"] },
            new RuleCondition(F.BirthYear, NotEqualTo) { Value = "1990" },
            new RuleCondition(F.CreatedAt, WithinLastDays) { Days = 30 },
            new RuleCondition(F.Attribute, EqualTo) { Key = "tier", Value = "gold" },
            new RuleCondition(F.Attribute, IsEmpty) { Key = "colour" },
            new RuleCondition(F.PurchaseCount, AtLeast) { Value = "2", Days = 90 },
            new RuleCondition(F.PurchaseTotal, GreaterThan) { Value = "99.5" },
            new RuleCondition(F.PurchaseCount, EqualTo) { Value = "0" },
            new RuleCondition(F.PurchaseAverage, NotEqualTo) { Value = "20" },
            new RuleCondition(F.LastPurchase, After) { Value = "2026-01-01" },
            new RuleCondition(F.RfmRecency, In) { Values = ["4", "5"] },
            new RuleCondition(F.RfmFrequency, Between) { Values = ["2", "3"] },
            new RuleCondition(F.RfmMonetary, AtLeast) { Value = "4" },
            new RuleCondition(F.PurchaseAverage, LessThan) { Value = "20", Days = 365 },
            new RuleCondition(F.LastPurchase, Before) { Value = "2026-01-01" },
            new RuleCondition(F.PurchasedCategory, In) { Values = ["books", "shoes"], Days = 30 },
            new RuleCondition(F.Event, Did) { Key = "email_click", Count = 3, Days = 30 },
            new RuleCondition(F.EmailConsent, In) { Values = ["OptedIn", "Pending"] },
            new RuleCondition(F.ExperimentArm, In) { Key = "1", Values = ["2", "3"] },
            new RuleCondition(F.ChurnRisk, Between) { Values = ["50", "90"] },
            new RuleCondition(F.PredictedValue, In) { Values = ["Top", "High"] },
        ];

        var sql = await SqlAsync(new RuleGroup(GroupOperator.Or, [new RuleGroup(GroupOperator.And, conditions), new RuleGroup(GroupOperator.Not, conditions)]));

        sql.ShouldContain("json_extract_path_text(c.\"AttributesJson\"::json");
        sql.ShouldContain("lower(");
        // Values appear only in the "-- @p='...'" parameter comments ToQueryString prints, never in the statement.
        string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal))).ShouldNotContain("gold");
    }

    [Fact]
    public async Task ACountryListIsOneInListForPostgres()
    {
        // PostgreSQL makes an IN list one "= ANY" index condition on (consent, country key, erased); an OR chain of the same
        // tests only becomes a bitmap scan that visits the table (decision 033, session 13).
        var sql = await SqlAsync(new RuleCondition(F.Country, In) { Values = ["Germany", "Austria", "Germany"] });

        sql.ShouldContain("c.\"CountryKey\" IN (lower(");
        sql.ShouldNotContain(" OR ");
    }

    [Fact]
    public async Task AStatsTestAfterTheConsentAndCountryPrefixIsAProbePerCustomer()
    {
        // PostgreSQL would hash-join every stats row against the ~100,000 customers the index seek found; a scalar probe
        // per customer is one index-only seek each and a quarter of the CPU at 1M (decision 033, session 15).
        var sql = await SqlAsync(new RuleGroup(GroupOperator.And,
            [new RuleCondition(F.EmailConsent, EqualTo) { Value = "OptedIn" }, Total("100"), new RuleCondition(F.Country, In) { Values = ["Germany", "Austria"] }]));

        sql.ShouldNotContain("EXISTS", customMessage: sql);
        sql.ShouldContain("LIMIT 1) IS NOT NULL", customMessage: sql);
    }

    [Fact]
    public async Task AStatsTestWithoutTheIndexedPrefixOrOfAnotherColumnStaysASemiJoin()
    {
        // Alone, after consent only, or below an OR: the probe would run for most customers; the planner's join is cheaper
        // there. A score is not in the (customer, spend) index: a probe would read the table, no faster than the join.
        RuleNode consent = new RuleCondition(F.EmailConsent, EqualTo) { Value = "OptedIn" };
        RuleNode country = new RuleCondition(F.Country, In) { Values = ["Germany", "Austria"] };
        RuleNode[] rules =
        [
            Total("5000"),
            new RuleGroup(GroupOperator.And, [consent, Total("100")]),
            new RuleGroup(GroupOperator.Or, [new RuleGroup(GroupOperator.And, [consent, country]), Total("100")]),
            new RuleGroup(GroupOperator.Not, [new RuleGroup(GroupOperator.And, [consent, country, Total("100")])]),
            new RuleGroup(GroupOperator.And, [consent, new RuleCondition(F.RfmRecency, AtLeast) { Value = "4" }, country]),
        ];

        foreach (var rule in rules)
        {
            var sql = await SqlAsync(rule);
            sql.ShouldContain("EXISTS", customMessage: sql);
            sql.ShouldNotContain("LIMIT 1", customMessage: sql);
        }
    }

    [Fact]
    public async Task ACountryNotInListTranslatesForPostgres()
    {
        var sql = await SqlAsync(new RuleCondition(F.Country, NotIn) { Values = ["at", "fr"] });

        sql.ShouldContain("IN (lower(@", customMessage: sql);
        sql.ShouldNotContain("()", customMessage: sql);
    }

    private static RuleCondition Total(string atLeast) => new(F.PurchaseTotal, AtLeast) { Value = atLeast };

    private static async Task<string> SqlAsync(RuleNode root)
    {
        var options = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(options, new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = "Host=localhost;Database=none" });
        await using var db = new AppDbContext(options.Options);
        return (await new SegmentQueryCompiler(db, new FixedClock()).MembersAsync(new SegmentRule { Root = root })).ToQueryString();
    }
}
