using System.Globalization;
using System.Linq.Expressions;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;
using Fn = CampaignStudio.Data.Segments.StudioDbFunctions;

namespace CampaignStudio.Data.Segments;

/// <summary>
/// Turns a validated <see cref="SegmentRule"/> into an expression for <c>db.Customers.Where(...)</c> that EF Core runs
/// entirely as SQL on SQLite and PostgreSQL. Fields and operators come from the allow-list; every value the marketer typed
/// reaches SQL as a parameter (values are read through closures, which EF Core parameterises, never inlined as constants).
/// </summary>
/// <remarks>
/// Text comparisons are case-insensitive: both sides go through the database's <c>lower()</c>. "Not" operators are the
/// exact complement of their positive operator, so "country is not DE" includes customers without a country.
/// </remarks>
public sealed class SegmentQueryCompiler
{
    /// <summary>How deep segments may refer to segments that refer to segments.</summary>
    public const int MaxSegmentNesting = 5;

    private readonly AppDbContext _db;
    private readonly DateTime _now;
    private readonly bool _sqlite;

    // Where the node being built sits, for the stats probe (see Stats): reached from the root through AND groups and
    // positive segment references only, and below an AND that seeks the (consent, country) index prefix.
    private bool _topLevel = true;
    private bool _narrowed;

    /// <param name="db">The context the query will run on (referenced segments are read from it).</param>
    /// <param name="clock">"Now" for "within the last N days" and ages; fixed for one compilation.</param>
    public SegmentQueryCompiler(AppDbContext db, TimeProvider? clock = null)
    {
        _db = db;
        _now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        _sqlite = db.Database.IsSqlite();
    }

    /// <summary>Compiles a rule. <paramref name="ownSegmentId"/> is the segment being edited, so a reference to itself is caught.</summary>
    /// <exception cref="SegmentRuleException">The rule is invalid, names a missing segment or refers to itself.</exception>
    public Task<Expression<Func<Customer, bool>>> CompileAsync(SegmentRule rule, int? ownSegmentId = null, CancellationToken ct = default)
    {
        SegmentRuleValidator.ThrowIfInvalid(rule);
        var path = new List<int>();
        if (ownSegmentId is { } id)
        {
            path.Add(id);
        }

        return BuildAsync(rule.Root!, path, ct);
    }

    /// <summary>
    /// Compiles the stored rule of a rule segment, or membership of a list segment. A stored rule can stop being usable
    /// after it was saved (a segment it refers to was deleted, a rule from an older version): every caller then gets the
    /// same sentence, naming the segment and the reason.
    /// </summary>
    /// <exception cref="SegmentRuleException">The segment does not exist or its stored rule cannot be used.</exception>
    public async Task<Expression<Func<Customer, bool>>> CompileSegmentAsync(int segmentId, CancellationToken ct = default)
    {
        try
        {
            return await SegmentAsync(segmentId, [], ct);
        }
        catch (SegmentRuleException ex)
        {
            var name = await _db.Segments.AsNoTracking().Where(s => s.Id == segmentId).Select(s => s.Name).FirstOrDefaultAsync(ct);
            if (name is null)
            {
                throw;
            }

            throw new SegmentRuleException($"The segment “{name}” cannot be used until its rule is fixed: {ex.Message}");
        }
    }

    /// <summary>The customers a rule selects now (erased customers never), as a read-only query to count, page or export.</summary>
    public async Task<IQueryable<Customer>> MembersAsync(SegmentRule rule, int? ownSegmentId = null, CancellationToken ct = default)
    {
        var predicate = await CompileAsync(rule, ownSegmentId, ct);
        return _db.Customers.AsNoTracking().Where(c => !c.IsErased).Where(predicate);
    }

    private async Task<Expression<Func<Customer, bool>>> BuildAsync(RuleNode node, List<int> path, CancellationToken ct)
    {
        if (node is RuleCondition condition)
        {
            return await ConditionAsync(condition, path, ct);
        }

        var group = (RuleGroup)node;
        var parts = new List<Expression<Func<Customer, bool>>>(group.Children.Count);
        var (topLevel, narrowed) = (_topLevel, _narrowed);
        _topLevel = topLevel && group.Operator == GroupOperator.And;
        _narrowed = narrowed || (_topLevel && !_sqlite && SeeksConsentAndCountry(group));
        try
        {
            foreach (var child in group.Children)
            {
                parts.Add(await BuildAsync(child, path, ct));
            }
        }
        finally
        {
            (_topLevel, _narrowed) = (topLevel, narrowed);
        }

        return group.Operator switch
        {
            GroupOperator.And => Combine(parts, Expression.AndAlso),
            GroupOperator.Or => Combine(parts, Expression.OrElse),
            _ => Negate(Combine(parts, Expression.OrElse)),
        };
    }

    private async Task<Expression<Func<Customer, bool>>> ConditionAsync(RuleCondition c, List<int> path, CancellationToken ct)
    {
        if (Complements.TryGetValue(c.Operator, out var positive))
        {
            // "Not a member of" a segment: that segment's own conditions no longer narrow the whole query.
            var topLevel = _topLevel;
            _topLevel = false;
            try
            {
                return Negate(await ConditionAsync(c with { Operator = positive }, path, ct));
            }
            finally
            {
                _topLevel = topLevel;
            }
        }

        return c.Field switch
        {
            F.Email => Text(x => x.Email, c),
            F.FirstName => Text(x => x.FirstName, c),
            F.LastName => Text(x => x.LastName, c),
            F.Country => Country(c),
            F.City => Text(x => x.City, c),
            F.Gender => Text(x => x.Gender, c),
            F.Attribute => Attribute(c),
            F.BirthYear => Compare(x => x.BirthYear, c.Operator, c, v => (int?)Integer(v)),
            F.Age => Age(c),
            F.CreatedAt => CreatedAt(c),
            F.PurchaseCount => PurchaseCount(c),
            F.PurchaseTotal => PurchaseTotal(c),
            F.PurchaseAverage => PurchaseAverage(c),
            F.LastPurchase => LastPurchase(c),
            F.PurchasedCategory => PurchasedCategory(c),
            F.RfmRecency => Score(s => s.RecencyScore, c),
            F.RfmFrequency => Score(s => s.FrequencyScore, c),
            F.RfmMonetary => Score(s => s.MonetaryScore, c),
            F.ChurnRisk => Prediction(Compare<CustomerPrediction, double>(p => p.ChurnRisk, c.Operator, c, v => Integer(v) / 100.0)),
            F.PredictedValue => ValueBand(c),
            F.Event => Event(c),
            F.EmailConsent => Consent(c),
            F.ExperimentArm => ExperimentArm(c),
            F.Segment => await SegmentAsync(Integer(c.Value), path, ct),
            _ => throw new SegmentRuleException($"Field '{c.Field}' cannot be compiled."),
        };
    }

    // ---- profile --------------------------------------------------------------------------------------------------------

    private static Expression<Func<Customer, bool>> Text(Expression<Func<Customer, string?>> field, RuleCondition c) =>
        Apply(field, TextTest(c));

    /// <summary>
    /// Equality and lists compare the stored lower-case key with lower(value), both folded by the database: an index seek on
    /// (consent, country key, erased) instead of lower-casing a million rows. Other operators read the display value.
    /// A list is an OR chain on SQLite (which folds it into one IN itself) and <c>IN (lower(@p0), ...)</c> on PostgreSQL,
    /// which makes that <c>= ANY</c>, one index condition: an OR only becomes a BitmapOr that visits the table (measured at
    /// 1M customers: the consent-and-country part of a count read 2,086 index pages as an OR, 613 as an IN).
    /// </summary>
    private Expression<Func<Customer, bool>> Country(RuleCondition c)
    {
        switch (c.Operator)
        {
            case EqualTo:
                var value = c.Value;
                return x => x.CountryKey != null && x.CountryKey == Fn.Lower(value);
            case In:
                var x = Expression.Parameter(typeof(Customer), "x");
                var key = Expression.Property(x, nameof(Customer.CountryKey));
                var any = _sqlite ? EqualsAnyLowered(key, c.Values!) : InLowered(key, c.Values!);
                return Expression.Lambda<Func<Customer, bool>>(
                    Expression.AndAlso(Expression.NotEqual(key, Expression.Constant(null, typeof(string))), any), x);
            default:
                return Text(x => x.Country, c);
        }
    }

    private static Expression<Func<Customer, bool>> Attribute(RuleCondition c)
    {
        var key = c.Key!;
        return Apply(x => Fn.AttributeText(x.Attributes, key), TextTest(c));
    }

    /// <summary>A test on one text value; <c>null</c> is "empty" and matches no positive comparison.</summary>
    private static Expression<Func<string?, bool>> TextTest(RuleCondition c)
    {
        var value = c.Value;
        var values = c.Values?.ToList();
        return c.Operator switch
        {
            EqualTo => s => s != null && Fn.Lower(s) == Fn.Lower(value),
            Contains => s => s != null && Fn.Lower(s)!.Contains(Fn.Lower(value)!),
            StartsWith => s => s != null && Fn.Lower(s)!.StartsWith(Fn.Lower(value)!),
            In => AnyOf(values!),
            IsEmpty => s => s == null || s == "",
            _ => throw Unsupported(c),
        };
    }

    /// <summary>
    /// "lower(s) = lower(@p0) OR lower(s) = lower(@p1) ...": SQLite folds it into one IN test per row, where a list
    /// parameter becomes a correlated subquery over a VALUES table for every customer (several times slower).
    /// </summary>
    private static Expression<Func<string?, bool>> AnyOf(IReadOnlyList<string> values)
    {
        var s = Expression.Parameter(typeof(string), "s");
        var lowered = Expression.Call(typeof(Fn).GetMethod(nameof(Fn.Lower))!, s);
        return Expression.Lambda<Func<string?, bool>>(
            Expression.AndAlso(Expression.NotEqual(s, Expression.Constant(null, typeof(string))), EqualsAnyLowered(lowered, values)), s);
    }

    /// <summary><c>left = lower(@p0) OR left = lower(@p1) ...</c>, balanced so 500 values nest 9 deep rather than 500.</summary>
    private static Expression EqualsAnyLowered(Expression left, IReadOnlyList<string> values)
    {
        var tests = LoweredValues(values).Select(v => (Expression)Expression.Equal(left, v)).ToList();
        while (tests.Count > 1)
        {
            tests = [.. tests.Chunk(2).Select(pair => pair.Length == 2 ? Expression.OrElse(pair[0], pair[1]) : pair[0])];
        }

        return tests[0];
    }

    /// <summary><c>left IN (lower(@p0), lower(@p1), ...)</c>: an inline array's Contains, which EF Core sends as an IN list.</summary>
    private static Expression InLowered(Expression left, IReadOnlyList<string> values) =>
        Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)],
            Expression.NewArrayInit(typeof(string), LoweredValues(values)), left);

    /// <summary>lower(@p) for each distinct value; each value a parameter.</summary>
    private static IEnumerable<Expression> LoweredValues(IReadOnlyList<string> values)
    {
        var lower = typeof(Fn).GetMethod(nameof(Fn.Lower))!;
        return values.Distinct(StringComparer.Ordinal)
            .Select(v => (Expression)Expression.Call(lower, Expression.Property(Expression.Constant(new Box<string?>(v)), nameof(Box<string?>.Value))));
    }

    private Expression<Func<Customer, bool>> Age(RuleCondition c)
    {
        // Age = this year - year of birth, turned around into a range of birth years so SQL needs no date arithmetic.
        var year = _now.Year;
        var op = c.Operator switch
        {
            GreaterThan => LessThan,
            AtLeast => AtMost,
            LessThan => GreaterThan,
            AtMost => AtLeast,
            _ => c.Operator,
        };
        var bounds = c.Operator == Between ? new[] { c.Values![1], c.Values[0] } : c.Values?.ToArray();
        return Compare(x => x.BirthYear, op, c with { Values = bounds }, v => (int?)(year - Integer(v)));
    }

    private Expression<Func<Customer, bool>> CreatedAt(RuleCondition c)
    {
        switch (c.Operator)
        {
            case Before:
                var before = DayStart(c.Value);
                return x => x.CreatedAt < before;
            case After:
                var after = DayStart(c.Value).AddDays(1);
                return x => x.CreatedAt >= after;
            case Between:
                var from = DayStart(c.Values![0]);
                var to = DayStart(c.Values[1]).AddDays(1);
                return x => x.CreatedAt >= from && x.CreatedAt < to;
            case WithinLastDays:
                var since = Since(c.Days);
                return x => x.CreatedAt >= since;
            default:
                throw Unsupported(c);
        }
    }

    // ---- purchases ------------------------------------------------------------------------------------------------------
    // Without a time window, counts, totals, averages and the last purchase come from CustomerStats (as of the last
    // refresh, see docs/decisions/012-customer-stats.md); with a window they are summed from the purchases themselves.

    private Expression<Func<Customer, bool>> PurchaseCount(RuleCondition c)
    {
        if (c.Days is { } days)
        {
            var since = Since(days);
            return Compare(x => x.Purchases.Count(p => p.PurchasedAt >= since), c.Operator, c, Integer);
        }

        return Stats(Compare<CustomerStats, int>(s => s.OrderCount, c.Operator, c, Integer));
    }

    private Expression<Func<Customer, bool>> PurchaseTotal(RuleCondition c)
    {
        if (c.Days is { } days)
        {
            var since = Since(days);
            return Compare(x => x.Purchases.Where(p => p.PurchasedAt >= since).Sum(p => p.Amount), c.Operator, c, Number);
        }

        return Stats(Compare<CustomerStats, decimal>(s => s.TotalSpent, c.Operator, c, Number));
    }

    private Expression<Func<Customer, bool>> PurchaseAverage(RuleCondition c)
    {
        // No purchases means no average: every comparison is false (AVG of nothing is NULL in SQL, null here).
        if (c.Days is { } days)
        {
            var since = Since(days);
            return Compare(x => x.Purchases.Where(p => p.PurchasedAt >= since).Average(p => (decimal?)p.Amount), c.Operator, c, v => (decimal?)Number(v));
        }

        return Stats(Compare<CustomerStats, decimal?>(s => s.AverageOrderValue, c.Operator, c, v => (decimal?)Number(v)));
    }

    private Expression<Func<Customer, bool>> LastPurchase(RuleCondition c)
    {
        switch (c.Operator)
        {
            case WithinLastDays:
                // A window: read the purchases, so a purchase arriving after the last stats refresh still counts.
                var since = Since(c.Days);
                return x => x.Purchases.Any(p => p.PurchasedAt >= since);
            case Before:
                var before = DayStart(c.Value);
                return Stats(s => s.LastPurchaseAt != null && s.LastPurchaseAt < before);
            case After:
                var after = DayStart(c.Value).AddDays(1);
                return Stats(s => s.LastPurchaseAt >= after);
            default:
                throw Unsupported(c);
        }
    }

    /// <summary>An RFM score; a customer without purchases (or not refreshed yet) has none, so matches no score.</summary>
    private Expression<Func<Customer, bool>> Score(Expression<Func<CustomerStats, int?>> score, RuleCondition c)
    {
        if (c.Operator == In)
        {
            var scores = c.Values!.Select(v => (int?)Integer(v)).Distinct().ToList();
            Expression<Func<int?, bool>> inList = v => scores.Contains(v);
            return Stats(Expression.Lambda<Func<CustomerStats, bool>>(new Rebinder(inList.Parameters[0], score.Body).Visit(inList.Body), score.Parameters));
        }

        return Stats(Compare(score, c.Operator, c, v => (int?)Integer(v)));
    }

    /// <summary>
    /// A test on a customer's stats row as a correlated EXISTS on the stats key: while the database walks the customers
    /// the other conditions narrowed, each probe is one primary-key seek. (An "id IN (SELECT ...)" set was 3x slower on
    /// SQLite at 1M customers: it drove the query from the stats side or built a set of most of the table first.)
    /// A customer without a row (added since the last refresh) counts as one without purchases; when that passes the
    /// test, the query flips to "no stats row that fails the test".
    /// </summary>
    /// <remarks>
    /// PostgreSQL turns the EXISTS into a join and, pricing 100,000 index probes as disk reads, hashes a scan of every
    /// stats row instead. After an index seek on consent and country (<see cref="SeeksConsentAndCountry"/>) a test of the
    /// spend is a scalar subquery, <c>(SELECT 1 ... LIMIT 1) IS NOT NULL</c>, which it cannot turn into a join: one
    /// index-only probe of (customer, spend) per customer the seek found (measured at 1M: a quarter of the join's CPU,
    /// decision 033, session 15). Without that prefix the probe could run for most customers, where the join is cheaper;
    /// a test of another stats column would read the table per probe, no faster than the join: the EXISTS stays.
    /// </remarks>
    private Expression<Func<Customer, bool>> Stats(Expression<Func<CustomerStats, bool>> test)
    {
        var matchesWithoutRow = test.Compile(preferInterpretation: true)(new CustomerStats());
        var rows = _db.CustomerStats.Where(matchesWithoutRow ? Expression.Lambda<Func<CustomerStats, bool>>(Expression.Not(test.Body), test.Parameters) : test);
        Expression<Func<Customer, bool>> hasRow = _narrowed && ReadsOnlySpend(test)
            ? x => rows.Where(s => s.CustomerId == x.Id).Select(s => (int?)1).FirstOrDefault() != null
            : x => rows.Any(s => s.CustomerId == x.Id);
        return matchesWithoutRow ? Negate(hasRow) : hasRow;
    }

    /// <summary>Whether a stats test reads the spend alone, which PostgreSQL's (customer, spend) index holds.</summary>
    private static bool ReadsOnlySpend(Expression<Func<CustomerStats, bool>> test)
    {
        var read = new MembersRead(test.Parameters[0]);
        read.Visit(test.Body);
        return read.Names.All(name => name == nameof(CustomerStats.TotalSpent));
    }

    /// <summary>
    /// An AND with a positive test on consent and one on country: on PostgreSQL an index seek on (consent, country key,
    /// erased) that finds the customers before any other condition is tested.
    /// </summary>
    private static bool SeeksConsentAndCountry(RuleGroup group)
    {
        bool Seeks(string field) => group.Children.Any(n => n is RuleCondition c && c.Field == field && c.Operator is EqualTo or In);
        return Seeks(F.EmailConsent) && Seeks(F.Country);
    }

    private Expression<Func<Customer, bool>> PurchasedCategory(RuleCondition c)
    {
        var since = c.Days is { } days ? Since(days) : DateTime.MinValue;
        var windowed = c.Days is not null;
        var value = c.Value;
        var values = c.Values?.ToList();
        return c.Operator switch
        {
            EqualTo => x => x.Purchases.Any(p => (!windowed || p.PurchasedAt >= since) && p.Category != null && Fn.Lower(p.Category) == Fn.Lower(value)),
            In => x => x.Purchases.Any(p => (!windowed || p.PurchasedAt >= since) && p.Category != null && values!.Any(v => Fn.Lower(v) == Fn.Lower(p.Category))),
            _ => throw Unsupported(c),
        };
    }

    // ---- predictions ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// A test on a customer's prediction row (a correlated EXISTS, like <see cref="Stats"/>). A customer without a
    /// prediction (no purchases, or added since the last scoring) matches no prediction condition.
    /// </summary>
    private Expression<Func<Customer, bool>> Prediction(Expression<Func<CustomerPrediction, bool>> test)
    {
        var matching = _db.CustomerPredictions.Where(test);
        return x => matching.Any(p => p.CustomerId == x.Id);
    }

    private Expression<Func<Customer, bool>> ValueBand(RuleCondition c)
    {
        if (c.Operator == EqualTo)
        {
            var band = Enum.Parse<PredictedValueBand>(c.Value!);
            return Prediction(p => p.ValueBand == band);
        }

        var bands = c.Values!.Select(Enum.Parse<PredictedValueBand>).Distinct().ToList();
        return Prediction(p => bands.Contains(p.ValueBand));
    }

    // ---- events, consent, experiments, segments -------------------------------------------------------------------------

    private Expression<Func<Customer, bool>> Event(RuleCondition c)
    {
        // Event types are codes picked from a list (email_click, visit): compared exactly, so the type index is used.
        var type = c.Key!;
        var times = c.Count ?? 1;
        var since = c.Days is { } days ? Since(days) : DateTime.MinValue;
        if (times == 1)
        {
            return c.Days is null
                ? x => x.Events.Any(e => e.Type == type)
                : x => x.Events.Any(e => e.Type == type && e.OccurredAt >= since);
        }

        return c.Days is null
            ? x => x.Events.Count(e => e.Type == type) >= times
            : x => x.Events.Count(e => e.Type == type && e.OccurredAt >= since) >= times;
    }

    private static Expression<Func<Customer, bool>> Consent(RuleCondition c)
    {
        if (c.Operator == EqualTo)
        {
            var status = Enum.Parse<ConsentStatus>(c.Value!);
            return x => x.EmailConsent == status;
        }

        var statuses = c.Values!.Select(Enum.Parse<ConsentStatus>).Distinct().ToList();
        return x => statuses.Contains(x.EmailConsent);
    }

    private Expression<Func<Customer, bool>> ExperimentArm(RuleCondition c)
    {
        var experimentId = Integer(c.Key);
        if (c.Operator == EqualTo)
        {
            var variantId = Integer(c.Value);
            return x => _db.Assignments.Any(a => a.CustomerId == x.Id && a.ExperimentId == experimentId && a.VariantId == variantId);
        }

        var variantIds = c.Values!.Select(Integer).Distinct().ToList();
        return x => _db.Assignments.Any(a => a.CustomerId == x.Id && a.ExperimentId == experimentId && variantIds.Contains(a.VariantId));
    }

    private async Task<Expression<Func<Customer, bool>>> SegmentAsync(int segmentId, List<int> path, CancellationToken ct)
    {
        var segment = await _db.Segments.AsNoTracking()
            .Where(s => s.Id == segmentId)
            .Select(s => new { s.Id, s.Name, s.Kind, s.RuleJson })
            .FirstOrDefaultAsync(ct)
            ?? throw new SegmentRuleException($"Segment {segmentId} does not exist (any more).");

        if (segment.Kind != SegmentKind.Rule)
        {
            return x => _db.SegmentMembers.Any(m => m.SegmentId == segmentId && m.CustomerId == x.Id);
        }

        if (path.Contains(segmentId))
        {
            throw new SegmentRuleException($"Segment '{segment.Name}' refers to itself (through other segments); remove the circular reference.");
        }

        if (path.Count >= MaxSegmentNesting)
        {
            throw new SegmentRuleException($"Segments refer to segments more than {MaxSegmentNesting} levels deep (at '{segment.Name}').");
        }

        var parsed = SegmentRuleJson.Parse(segment.RuleJson);
        if (parsed.Rule is null)
        {
            // The segment asked for is named by CompileSegmentAsync; one it refers to is named here.
            throw new SegmentRuleException(path.Count == 0 ? parsed.Error ?? "The rule cannot be read." : $"Segment '{segment.Name}' has a rule that cannot be used: {parsed.Error}");
        }

        path.Add(segmentId);
        try
        {
            // A rule segment is its rule, inlined: one SQL statement, no stored membership to go stale.
            return await BuildAsync(parsed.Rule.Root!, path, ct);
        }
        finally
        {
            path.RemoveAt(path.Count - 1);
        }
    }

    // ---- building blocks ------------------------------------------------------------------------------------------------

    /// <summary>Compares a value of the customer with the condition's value(s); the values are closure members, so parameters.</summary>
    private static Expression<Func<Customer, bool>> Compare<T>(Expression<Func<Customer, T>> field, string op, RuleCondition c, Func<string?, T> read) =>
        Compare<Customer, T>(field, op, c, read);

    private static Expression<Func<TEntity, bool>> Compare<TEntity, T>(Expression<Func<TEntity, T>> field, string op, RuleCondition c, Func<string?, T> read)
    {
        var body = field.Body;
        Expression Param(string? text) => Expression.Property(Expression.Constant(new Box<T>(read(text))), nameof(Box<T>.Value));

        Expression test = op switch
        {
            EqualTo => Expression.Equal(body, Param(c.Value)),
            GreaterThan => Expression.GreaterThan(body, Param(c.Value)),
            AtLeast => Expression.GreaterThanOrEqual(body, Param(c.Value)),
            LessThan => Expression.LessThan(body, Param(c.Value)),
            AtMost => Expression.LessThanOrEqual(body, Param(c.Value)),
            Between => Expression.AndAlso(Expression.GreaterThanOrEqual(body, Param(c.Values![0])), Expression.LessThanOrEqual(body, Param(c.Values[1]))),
            IsEmpty => Expression.Equal(body, Expression.Constant(null, typeof(T))),
            _ => throw Unsupported(c),
        };
        return Expression.Lambda<Func<TEntity, bool>>(test, field.Parameters);
    }

    /// <summary>Holds one rule value; EF Core turns a member of a captured object into a SQL parameter.</summary>
    private sealed class Box<T>(T value)
    {
        public T Value { get; } = value;
    }

    private static Expression<Func<Customer, bool>> Apply(Expression<Func<Customer, string?>> field, Expression<Func<string?, bool>> test)
    {
        var body = new Rebinder(test.Parameters[0], field.Body).Visit(test.Body);
        return Expression.Lambda<Func<Customer, bool>>(body, field.Parameters);
    }

    private static Expression<Func<Customer, bool>> Combine(List<Expression<Func<Customer, bool>>> parts, Func<Expression, Expression, BinaryExpression> join)
    {
        var customer = Expression.Parameter(typeof(Customer), "c");
        Expression? body = null;
        foreach (var part in parts)
        {
            var rebound = new Rebinder(part.Parameters[0], customer).Visit(part.Body);
            body = body is null ? rebound : join(body, rebound);
        }

        return Expression.Lambda<Func<Customer, bool>>(body!, customer);
    }

    private static Expression<Func<Customer, bool>> Negate(Expression<Func<Customer, bool>> e) =>
        Expression.Lambda<Func<Customer, bool>>(Expression.Not(e.Body), e.Parameters);

    private DateTime Since(int? days) => _now.AddDays(-(days ?? 0));

    private static DateTime DayStart(string? date)
    {
        SegmentRuleValidator.TryDate(date, out var day);
        return day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    }

    private static int Integer(string? value) => int.Parse(value!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static decimal Number(string? value)
    {
        SegmentRuleValidator.TryNumber(value, out var number);
        return number;
    }

    private static SegmentRuleException Unsupported(RuleCondition c) => new($"Operator '{c.Operator}' cannot be compiled for field '{c.Field}'.");

    private sealed class MembersRead(ParameterExpression of) : ExpressionVisitor
    {
        public HashSet<string> Names { get; } = [];

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == of)
            {
                Names.Add(node.Member.Name);
            }

            return base.VisitMember(node);
        }
    }

    private sealed class Rebinder(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
