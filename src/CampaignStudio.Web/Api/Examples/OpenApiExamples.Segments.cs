using CampaignStudio.Web.Features.Segments;

namespace CampaignStudio.Web.Api;

/// <summary>Segments: a rule as the builder stores it (decision 010), its count, and the saved segment.</summary>
public static partial class OpenApiExamples
{
    /// <summary>Customers in Germany who spent 100 or more in the last year and opted in: the rule every segment example uses.</summary>
    private const string GermanSpendersRule = """
        {"version": 1, "root": {"type": "group", "operator": "and", "children": [
          {"type": "condition", "field": "country", "operator": "equals", "value": "DE"},
          {"type": "condition", "field": "purchase_total", "operator": "gte", "value": "100", "days": 365},
          {"type": "condition", "field": "email_consent", "operator": "equals", "value": "OptedIn"}]}}
        """;

    private static IEnumerable<(string Schema, Example[] Examples)> Segments() =>
    [
        (nameof(RulePreviewRequest), [new("rule", "Customers in Germany who spent 100 or more in a year and opted in", $$"""
            {"rule": {{GermanSpendersRule}}, "segmentId": null}
            """)]),
        (nameof(SegmentRequest), [new("rule", "A rule segment", $$"""
            {"name": "German spenders", "description": "Opted-in customers in Germany with 100 EUR or more in the last year", "rule": {{GermanSpendersRule}}}
            """)]),
        (nameof(SegmentResponse), [new("rule", "The saved rule segment", $$"""
            {"id": 12, "name": "German spenders", "description": "Opted-in customers in Germany with 100 EUR or more in the last year", "kind": "Rule",
             "rule": {{GermanSpendersRule}}, "memberCount": null, "countedAt": null, "sourceSegmentId": null,
             "createdBy": "marketer@shop.example.com", "createdAt": "2026-06-15T09:05:00Z", "updatedAt": "2026-06-15T09:05:00Z"}
            """)]),
        (nameof(SegmentPreviewResponse), [new("count", "Who the rule finds now", """
            {"count": 1840, "everyone": 25000, "share": 0.0736,
             "sample": [{"id": 1042, "firstName": "Anna", "lastName": "Schmidt", "email": "anna.schmidt@example.com", "country": "DE", "consent": 2}],
             "segmentSpend": [{"label": "No purchase", "share": 0}, {"label": "< 50", "share": 0}, {"label": "50–100", "share": 0},
                              {"label": "100–250", "share": 0.61}, {"label": "250–500", "share": 0.27}, {"label": "500+", "share": 0.12}],
             "everyoneSpend": [{"label": "No purchase", "share": 0.38}, {"label": "< 50", "share": 0.21}, {"label": "50–100", "share": 0.16},
                               {"label": "100–250", "share": 0.15}, {"label": "250–500", "share": 0.07}, {"label": "500+", "share": 0.03}],
             "unfinished": [], "error": null}
            """)]),
    ];
}
