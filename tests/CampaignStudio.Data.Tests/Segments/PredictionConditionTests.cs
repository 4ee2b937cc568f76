using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>Churn risk and predicted value band as segment conditions, on real SQLite through the migrations.</summary>
public sealed class PredictionConditionTests : IAsyncLifetime
{
    private SqliteTestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        await using var db = await _database.Factory.CreateDbContextAsync();
        string[] names = ["Anna", "Ben", "Clara", "David"];
        var customers = names.Select(n => CustomerTestBuilder.Named(n).WithEmail($"{n.ToLowerInvariant()}@example.com").Build()).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();

        // Anna: valuable and at risk; Ben: valuable and loyal; Clara: low value, at risk; David: never scored.
        (double Risk, PredictedValueBand Band)[] scores = [(0.8, PredictedValueBand.Top), (0.1, PredictedValueBand.High), (0.55, PredictedValueBand.Low)];
        for (var i = 0; i < scores.Length; i++)
        {
            db.CustomerPredictions.Add(new CustomerPrediction { CustomerId = customers[i].Id, ChurnRisk = scores[i].Risk, ValueBand = scores[i].Band, ScoredAt = StudioClock.DefaultStart.UtcDateTime });
        }

        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Theory]
    [InlineData(F.ChurnRisk, AtLeast, "50", "Anna,Clara")]
    [InlineData(F.ChurnRisk, GreaterThan, "55", "Anna")]
    [InlineData(F.ChurnRisk, LessThan, "50", "Ben")]
    [InlineData(F.ChurnRisk, AtMost, "10", "Ben")]
    [InlineData(F.PredictedValue, EqualTo, "Top", "Anna")]
    [InlineData(F.PredictedValue, NotEqualTo, "Top", "Ben,Clara,David")]
    public async Task SelectsByPrediction(string field, string op, string value, string expected)
    {
        (await Members(new RuleCondition(field, op) { Value = value })).ShouldBe(expected.Split(','));
    }

    [Fact]
    public async Task ValuableAtRiskIsTheIntersection()
    {
        var names = await Members(new RuleGroup(GroupOperator.And,
        [
            new RuleCondition(F.ChurnRisk, Between) { Values = ["50", "100"] },
            new RuleCondition(F.PredictedValue, In) { Values = ["Top", "High"] },
        ]));

        names.ShouldBe(["Anna"]);
    }

    [Fact]
    public void ChurnRiskOutsideZeroToHundredIsRefused()
    {
        SegmentRuleValidator.Validate(new SegmentRule { Root = new RuleCondition(F.ChurnRisk, AtLeast) { Value = "101" } }).ShouldNotBeNull();
        SegmentRuleValidator.Validate(new SegmentRule { Root = new RuleCondition(F.PredictedValue, EqualTo) { Value = "Huge" } }).ShouldNotBeNull();
    }

    private async Task<string[]> Members(RuleNode root)
    {
        await using var db = await _database.Factory.CreateDbContextAsync();
        var query = await new SegmentQueryCompiler(db).MembersAsync(new SegmentRule { Root = root });
        return [.. (await query.Select(c => c.FirstName!).ToListAsync()).Order()];
    }
}
