using CampaignStudio.Data;
using System.Globalization;
using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>For random rules over random customers, the SQL the compiler produces selects exactly whom the plain in-memory evaluator selects.</summary>
public abstract class SegmentRulePropertyTests(string provider)
{
    private const int Customers = 300;
    private static readonly DateTime _now = FixedClock.Now;

    // Small pools, so random conditions often match: mixed case, non-ASCII letters, LIKE wildcards and SQL fragments as plain data.
    private static readonly string[] _texts = ["de", "DE", "At", "fr", "Ös", "ös", "É", "é", "gold", "Gold", "' OR 1=1 --", "50%", "a_b", "x", " "];
    private static readonly string?[] _profileTexts = [null, "", "DE", "de", "AT", "Fr", "Ös", "ÖS", "gold star", "' OR 1=1 --", "50% off", "a_b", "xa_bx"];
    private static readonly string?[] _categories = [null, "Books", "books", "BÜCHER", "bücher", "Shoes", "50%"];
    private static readonly string[] _eventTypes = [EventTypes.EmailOpen, EventTypes.EmailClick, EventTypes.Visit];
    private static readonly string[] _attributeKeys = ["tier", "colour", "note"];

    [Fact]
    public async Task SqlAndInMemoryEvaluationAgreeOnRandomRules()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (experimentId, variantIds, listSegmentId, ruleSegmentId) = await SeedAsync(database.Factory);
        await new CustomerStatsRefresher(database.Factory, new FixedClock()).RefreshAllAsync();

        await using var db = await database.Factory.CreateDbContextAsync();
        var customers = await db.Customers.AsNoTracking().Include(c => c.Purchases).Include(c => c.Events).ToListAsync();
        var evaluator = new SegmentRuleEvaluator(
            _now,
            RfmTestScores.Compute(customers),
            await db.Assignments.AsNoTracking().ToListAsync(),
            await db.SegmentMembers.AsNoTracking().ToListAsync(),
            await db.Segments.AsNoTracking().ToDictionaryAsync(s => s.Id),
            foldsAsciiOnly: database.IsSqlite);
        var compiler = new SegmentQueryCompiler(db, new FixedClock());
        var nonEmpty = 0;

        await RuleGen(experimentId, variantIds, [listSegmentId, ruleSegmentId]).SampleAsync(
            async rule =>
            {
                SegmentRuleValidator.Validate(rule).ShouldBeNull();
                SegmentRuleJson.Parse(SegmentRuleJson.Serialize(rule)).Rule.ShouldBe(rule);

                var predicate = await compiler.CompileAsync(rule);
                var fromSql = (await db.Customers.Where(predicate).Select(c => c.Id).ToListAsync()).Order().ToList();
                var inMemory = customers.Where(c => evaluator.Matches(rule, c)).Select(c => c.Id).Order().ToList();
                fromSql.ShouldBe(inMemory);
                if (fromSql.Count is > 0 and < Customers)
                {
                    nonEmpty++;
                }
            },
            iter: 200,
            threads: 1,
            print: SegmentRuleJson.Serialize);

        // Guard against a generator that only produces trivial rules (everyone or no one).
        nonEmpty.ShouldBeGreaterThan(60);
    }

    private static async Task<(int ExperimentId, int[] VariantIds, int ListSegmentId, int RuleSegmentId)> SeedAsync(IDbContextFactory<AppDbContext> factory)
    {
        var pcg = new PCG(1, 20260615);
        var customers = CustomerGen.Array[Customers].Generate(pcg, null, out _);
        await using var db = await factory.CreateDbContextAsync();
        var key = 0;
        for (var i = 0; i < customers.Length; i++)
        {
            // E-mail is unique: the generated local part plus the index.
            customers[i].Customer.SetEmail(customers[i].EmailLocal is { } local ? $"{local}{i}@Example.com" : null);

            // Idempotency keys are unique per customer; numbering them is simpler than generating unique ones.
            customers[i].Customer.Purchases.ForEach(p => p.SourceKey = $"p{key++}");
            customers[i].Customer.Events.ForEach(e => e.SourceKey = $"e{key++}");
        }

        db.Customers.AddRange(customers.Select(c => c.Customer));
        var experiment = new Experiment { Name = "Test", AssignmentSalt = "s", Variants = [new Variant { Name = "A" }, new Variant { Name = "B" }] };
        db.Experiments.Add(experiment);
        var list = new Segment { Name = "List", Kind = SegmentKind.Snapshot };
        var rule = new Segment
        {
            Name = "Rule",
            Kind = SegmentKind.Rule,
            RuleJson = SegmentRuleJson.Serialize(new SegmentRule
            {
                Root = new RuleGroup(GroupOperator.Or, [new RuleCondition(F.Country, In) { Values = ["de", "at"] }, new RuleCondition(F.PurchaseCount, AtLeast) { Value = "3" }]),
            }),
        };
        db.Segments.AddRange(list, rule);
        await db.SaveChangesAsync();

        int[] variantIds = [.. experiment.Variants.Select(v => v.Id)];
        foreach (var (generated, index) in customers.Select((c, i) => (c, i)))
        {
            if (generated.Variant > 0)
            {
                db.Assignments.Add(new Assignment { ExperimentId = experiment.Id, VariantId = variantIds[generated.Variant - 1], CustomerId = generated.Customer.Id });
            }

            if (generated.InListSegment)
            {
                db.SegmentMembers.Add(new SegmentMember { SegmentId = list.Id, CustomerId = generated.Customer.Id });
            }
        }

        await db.SaveChangesAsync();
        return (experiment.Id, variantIds, list.Id, rule.Id);
    }

    private sealed record GeneratedCustomer(Customer Customer, string? EmailLocal, int Variant, bool InListSegment);

    private static readonly Gen<Purchase> PurchaseGen =
        Gen.Select(Gen.Int[0, 400], Gen.OneOf(_categories), Gen.Int[0, 600], Gen.Int[0, 86_399], (halves, category, days, seconds) =>
            new Purchase { Amount = halves / 2m, Category = category, PurchasedAt = _now.AddDays(-days).AddSeconds(-seconds) });

    private static readonly Gen<CustomerEvent> EventGen =
        Gen.Select(Gen.OneOf(_eventTypes), Gen.Int[0, 120], Gen.Int[0, 86_399], (type, days, seconds) =>
            new CustomerEvent { Type = type, OccurredAt = _now.AddDays(-days).AddSeconds(-seconds) });

    private static readonly Gen<Dictionary<string, string>> AttributesGen =
        Gen.Select(Gen.OneOf(_attributeKeys).Array[0, 3], Gen.OneOf(_profileTexts).Array[3], (keys, values) =>
            keys.Distinct().Select((k, i) => (k, v: values[i] ?? "")).ToDictionary(x => x.k, x => x.v));

    private static readonly Gen<GeneratedCustomer> CustomerGen =
        Gen.Select(
            Gen.OneOf(_profileTexts).Array[5],
            Gen.Int[1940, 2010].Nullable(0.2),
            Gen.Int[0, 2000],
            AttributesGen,
            Gen.Enum<ConsentStatus>(),
            PurchaseGen.List[0, 5].SelectMany(p => EventGen.List[0, 6], (p, e) => (p, e)),
            Gen.OneOf<string?>(null, "anna", "ÉVA", "o'brien"),
            Gen.Select(Gen.Int[0, 2], Gen.Bool),
            (texts, birthYear, createdDaysAgo, attributes, consent, activity, emailLocal, membership) =>
            {
                var customer = new Customer
                {
                    Country = texts[0],
                    City = texts[1],
                    Gender = texts[2],
                    BirthYear = birthYear,
                    CreatedAt = _now.AddDays(-createdDaysAgo).AddHours(-createdDaysAgo % 24),
                    UpdatedAt = _now,
                    Attributes = attributes,
                    EmailConsent = consent,
                    Purchases = activity.p,
                    Events = activity.e,
                };
                customer.SetName(texts[3], texts[4]);
                return new GeneratedCustomer(customer, emailLocal, membership.Item1, membership.Item2);
            });

    private static Gen<SegmentRule> RuleGen(int experimentId, int[] variantIds, int[] segmentIds)
    {
        var text = Gen.OneOf(_texts);
        var date = Gen.Int[0, 2000].Select(d => DateOnly.FromDateTime(_now.AddDays(-d)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var days = Gen.Int[1, 600].Nullable(0.5);
        string N(decimal d) => d.ToString(CultureInfo.InvariantCulture);

        Gen<RuleCondition> Field(string field, Gen<string> value, Gen<string?>? key = null) =>
            Gen.OneOf([.. RuleFields.Find(field)!.Operators]).SelectMany(op => Operator(field, op, value))
                .SelectMany(c => (key ?? Gen.Const(() => (string?)null)).Select(k => c with { Key = k }))
                .SelectMany(c => days.Select(d => RuleFields.Find(field)!.AllowsDays ? c with { Days = d } : c));

        Gen<RuleCondition> Operator(string field, string op, Gen<string> value) => op switch
        {
            In or NotIn => value.Array[1, 3].Select(v => new RuleCondition(field, op) { Values = v }),
            Between => value.Array[2].Select(v => new RuleCondition(field, op) { Values = [.. v.Order(Comparer<string>.Create(CompareValues))] }),
            WithinLastDays or NotWithinLastDays => Gen.Int[1, 2000].Select(d => new RuleCondition(field, op) { Days = d }),
            Did or DidNot => Gen.Int[1, 4].Nullable(0.3).Select(n => new RuleCondition(field, op) { Count = n }),
            _ when NeedsValue(op) => value.Select(v => new RuleCondition(field, op) { Value = v }),
            _ => Gen.Const(new RuleCondition(field, op)),
        };

        var condition = Gen.OneOf<RuleCondition>(
            Field(F.Email, Gen.OneOf("anna", "ÉVA", "éva", "@example.com", "o'b", "1@")),
            Field(F.FirstName, text),
            Field(F.LastName, text),
            Field(F.Country, text),
            Field(F.City, text),
            Field(F.Gender, text),
            Field(F.BirthYear, Gen.Int[1940, 2010].Select(y => N(y))),
            Field(F.Age, Gen.Int[15, 90].Select(y => N(y))),
            Field(F.CreatedAt, date),
            Field(F.Attribute, text, Gen.OneOf<string?>([.. _attributeKeys, "missing"])),
            Field(F.PurchaseCount, Gen.Int[0, 6].Select(n => N(n))),
            Field(F.PurchaseTotal, Gen.Int[0, 1200].Select(h => N(h / 2m))),
            Field(F.PurchaseAverage, Gen.Int[0, 400].Select(h => N(h / 2m))),
            Field(F.LastPurchase, date),
            Field(F.PurchasedCategory, Gen.OneOf("books", "BOOKS", "Bücher", "bücher", "shoes", "50%", "%")),
            Field(F.RfmRecency, Gen.Int[1, 5].Select(n => N(n))),
            Field(F.RfmFrequency, Gen.Int[1, 5].Select(n => N(n))),
            Field(F.RfmMonetary, Gen.Int[1, 5].Select(n => N(n))),
            Field(F.Event, text, Gen.OneOf<string?>(_eventTypes)),
            Field(F.EmailConsent, Gen.OneOf(Enum.GetNames<ConsentStatus>())),
            Field(F.ExperimentArm, Gen.OneOf([.. variantIds.Select(v => N(v))]), Gen.OneOf<string?>(N(experimentId), N(experimentId + 100))),
            Field(F.Segment, Gen.OneOf([.. segmentIds.Select(s => N(s))])));

        Gen<RuleNode> Node(int depth) => depth == 0
            ? condition.Select(c => (RuleNode)c)
            : Gen.Frequency<RuleNode>(
                (2, condition.Select(c => (RuleNode)c)),
                (1, Gen.Select(Gen.Enum<GroupOperator>(), Node(depth - 1).Array[1, 3], (op, children) => (RuleNode)new RuleGroup(op, children))));

        return Node(3).Select(root => new SegmentRule { Root = root });
    }

    /// <summary>Orders the bounds of "between": numbers by value, dates (yyyy-MM-dd) and text as text.</summary>
    private static int CompareValues(string? a, string? b) =>
        decimal.TryParse(a, CultureInfo.InvariantCulture, out var x) && decimal.TryParse(b, CultureInfo.InvariantCulture, out var y)
            ? x.CompareTo(y)
            : string.CompareOrdinal(a, b);

    public sealed class OnSqlite() : SegmentRulePropertyTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : SegmentRulePropertyTests(DatabaseProviders.Postgres);
}
