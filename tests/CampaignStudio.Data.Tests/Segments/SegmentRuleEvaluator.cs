using System.Globalization;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>
/// The same rule semantics written a second time, plainly, over loaded objects: the property test checks that the SQL
/// the compiler produces agrees with this on random data. Text folds the way the database's lower() does: A–Z only on SQLite,
/// every letter on PostgreSQL with a UTF-8 locale.
/// </summary>
internal sealed class SegmentRuleEvaluator(
    DateTime now,
    IReadOnlyDictionary<long, RfmTestScores> scores,
    IReadOnlyList<Assignment> assignments,
    IReadOnlyList<SegmentMember> members,
    IReadOnlyDictionary<int, Segment> segments,
    bool foldsAsciiOnly = true)
{
    public bool Matches(SegmentRule rule, Customer c) => Eval(rule.Root!, c);

    private bool Eval(RuleNode node, Customer c) => node switch
    {
        RuleGroup { Operator: GroupOperator.And } g => g.Children.All(x => Eval(x, c)),
        RuleGroup { Operator: GroupOperator.Or } g => g.Children.Any(x => Eval(x, c)),
        RuleGroup g => !g.Children.Any(x => Eval(x, c)),
        RuleCondition k when Complements.TryGetValue(k.Operator, out var positive) => !Condition(k with { Operator = positive }, c),
        RuleCondition k => Condition(k, c),
        _ => throw new InvalidOperationException(),
    };

    private bool Condition(RuleCondition k, Customer c)
    {
        var since = now.AddDays(-(k.Days ?? 0));
        var purchases = k.Days is null ? c.Purchases : [.. c.Purchases.Where(p => p.PurchasedAt >= since)];
        return k.Field switch
        {
            F.Email => Text(c.Email, k),
            F.FirstName => Text(c.FirstName, k),
            F.LastName => Text(c.LastName, k),
            F.Country => Text(c.Country, k),
            F.City => Text(c.City, k),
            F.Gender => Text(c.Gender, k),
            // EF Core does not run the value converter for a NULL column, so a customer without attributes loads with null here.
            F.Attribute => Text(c.Attributes?.TryGetValue(k.Key!, out var a) == true ? a : null, k),
            F.BirthYear => Number(c.BirthYear, k),
            F.Age => Number(now.Year - c.BirthYear, k),
            F.CreatedAt => k.Operator == WithinLastDays ? c.CreatedAt >= since : Date(c.CreatedAt, k),
            F.PurchaseCount => Number(purchases.Count, k),
            F.PurchaseTotal => Number(purchases.Sum(p => p.Amount), k),
            F.PurchaseAverage => Number(purchases.Count == 0 ? null : purchases.Average(p => p.Amount), k),
            F.LastPurchase => k.Operator switch
            {
                WithinLastDays => c.Purchases.Any(p => p.PurchasedAt >= since),
                _ => c.Purchases.Count > 0 && Date(c.Purchases.Max(p => p.PurchasedAt), k),
            },
            F.PurchasedCategory => purchases.Any(p => Text(p.Category, k)),
            F.RfmRecency => Score(scores.GetValueOrDefault(c.Id)?.Recency, k),
            F.RfmFrequency => Score(scores.GetValueOrDefault(c.Id)?.Frequency, k),
            F.RfmMonetary => Score(scores.GetValueOrDefault(c.Id)?.Monetary, k),
            F.Event => c.Events.Count(e => e.Type == k.Key && (k.Days is null || e.OccurredAt >= since)) >= (k.Count ?? 1),
            F.EmailConsent => (k.Values ?? [k.Value!]).Select(Enum.Parse<ConsentStatus>).Contains(c.EmailConsent),
            F.ExperimentArm => assignments.Any(x => x.CustomerId == c.Id && x.ExperimentId == Int(k.Key) && (k.Values ?? [k.Value!]).Select(Int).Contains(x.VariantId)),
            F.Segment => InSegment(Int(k.Value), c),
            _ => throw new InvalidOperationException(k.Field),
        };
    }

    private bool InSegment(int id, Customer c)
    {
        var segment = segments[id];
        return segment.Kind == SegmentKind.Rule
            ? Matches(SegmentRuleJson.Parse(segment.RuleJson).Rule!, c)
            : members.Any(m => m.SegmentId == id && m.CustomerId == c.Id);
    }

    private bool Text(string? s, RuleCondition k) => k.Operator switch
    {
        EqualTo => s is not null && Fold(s) == Fold(k.Value!),
        Contains => s is not null && Fold(s).Contains(Fold(k.Value!), StringComparison.Ordinal),
        StartsWith => s is not null && Fold(s).StartsWith(Fold(k.Value!), StringComparison.Ordinal),
        In => s is not null && k.Values!.Any(v => Fold(v) == Fold(s)),
        IsEmpty => string.IsNullOrEmpty(s),
        _ => throw new InvalidOperationException(k.Operator),
    };

    /// <summary>A customer without purchases has no score and matches no score condition.</summary>
    private static bool Score(int? score, RuleCondition k) =>
        k.Operator == In ? score is { } x && k.Values!.Select(Int).Contains(x) : Number(score, k);

    private static bool Number(decimal? x, RuleCondition k)
    {
        decimal V(string s) => decimal.Parse(s, CultureInfo.InvariantCulture);
        return k.Operator switch
        {
            IsEmpty => x is null,
            _ when x is null => false,
            EqualTo => x == V(k.Value!),
            GreaterThan => x > V(k.Value!),
            AtLeast => x >= V(k.Value!),
            LessThan => x < V(k.Value!),
            AtMost => x <= V(k.Value!),
            Between => x >= V(k.Values![0]) && x <= V(k.Values[1]),
            _ => throw new InvalidOperationException(k.Operator),
        };
    }

    private static bool Date(DateTime at, RuleCondition k)
    {
        var day = DateOnly.FromDateTime(at);
        DateOnly D(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return k.Operator switch
        {
            Before => day < D(k.Value!),
            After => day > D(k.Value!),
            Between => day >= D(k.Values![0]) && day <= D(k.Values[1]),
            _ => throw new InvalidOperationException(k.Operator),
        };
    }

    private static int Int(string? s) => int.Parse(s!, CultureInfo.InvariantCulture);

    private string Fold(string s) => foldsAsciiOnly ? FoldAscii(s) : s.ToLowerInvariant();

    private static string FoldAscii(string s) => string.Create(s.Length, s, (span, src) =>
    {
        for (var i = 0; i < src.Length; i++)
        {
            span[i] = src[i] is >= 'A' and <= 'Z' ? (char)(src[i] + 32) : src[i];
        }
    });
}
