using CampaignStudio.Web.Features.Flows;
using CampaignStudio.Web.Features.Flows.Results;

namespace CampaignStudio.Web.Api;

/// <summary>Flows: a welcome series started from a ready-made flow, its draft definition (decision 053) and its results per step.</summary>
public static partial class OpenApiExamples
{
    /// <summary>A welcome e-mail when a customer signs up, a second one two days later; the flow ends at the first order.</summary>
    private const string WelcomeDefinition = """
        {"version": 1, "trigger": {"type": "event", "event": {"eventType": "signed_up", "filters": []}}, "entry": {},
         "goal": {"event": {"eventType": "order_placed", "filters": []}, "exitOnGoal": true}, "conversionWindowDays": 7,
         "steps": [
           {"type": "sendEmail", "id": "welcome-1", "templateId": 3, "holdoutPercent": 10, "label": "Welcome"},
           {"type": "wait", "id": "wait-2d", "minutes": 2880, "label": "Two days"},
           {"type": "sendEmail", "id": "welcome-2", "templateId": 3, "holdoutPercent": 10, "label": "Our bestsellers"}]}
        """;

    private static IEnumerable<(string Schema, Example[] Examples)> Flows() =>
    [
        (nameof(CreateFlowRequest), [new("welcome", "A welcome series from the ready-made flow", """
            {"name": "Welcome series", "readyMade": "welcome"}
            """)]),
        (nameof(FlowDraftRequest), [new("welcome", "Two welcome e-mails two days apart, until the first order", $$"""
            {"definition": {{WelcomeDefinition}}}
            """)]),
        (nameof(FlowResponse), [new("draft", "A new flow, not live yet", $$"""
            {"id": 6, "name": "Welcome series", "description": "Three e-mails over seven days after a customer signs up; they stop when the first order arrives.",
             "status": "Draft", "startedFrom": "welcome", "liveSince": null, "liveVersion": null, "draftVersion": 1, "shownVersion": 1,
             "definition": {{WelcomeDefinition}}, "counts": {"active": 0, "entered": 0, "finished": 0, "exited": 0}, "waitingAtStep": {}, "onOlderVersions": 0}
            """)]),
        (nameof(FlowListItem), [new("live", "A live flow in the list", """
            {"id": 6, "name": "Welcome series", "status": "Live", "trigger": "When a customer signs up", "active": 212, "entered": 1890, "finished": 1540,
             "exited": 138, "startedFrom": "welcome", "updatedAt": "2026-06-10T14:00:00Z"}
            """)]),
        ("ReadyMadeFlow", [new("welcome", "A ready-made flow", """
            {"key": "welcome", "name": "Welcome series", "description": "Three e-mails over seven days after a customer signs up; they stop when the first order arrives."}
            """)]),
        ("OfferGainChoice", [new("offer", "A trained offer a flow step can ask about", """
            {"experimentId": 5, "experiment": "Summer offers", "variantId": 10, "offer": "10% off", "discountShare": 0.1, "trainedAt": "2026-06-15T10:02:00Z",
             "scored": 25000, "pays": 6200}
            """)]),
        (nameof(FlowResultsReport), [new("results", "The first welcome e-mail helps; the second is too small to tell yet", """
            {"flowId": 6, "minGroupSize": 10, "steps": [
              {"stepId": "welcome-1", "label": "Welcome", "holdoutPercent": 10, "mailed": 1701, "sent": 1698, "heldOut": 189, "skipped": 0,
               "openRate": 0.52, "clickRate": 0.11, "mailedConversionRate": 0.084, "heldOutConversionRate": 0.053, "lift": 0.031, "liftLower": 0.004, "liftUpper": 0.058,
               "incrementalConversions": 52.7, "incrementalConversionsLower": 6.8, "incrementalConversionsUpper": 98.7, "incrementalValue": 3952.5,
               "incrementalValueLower": 510, "incrementalValueUpper": 7402.5, "offerCost": 0, "netValue": 3952.5, "optOutRate": 0.004,
               "verdict": "Helping", "reason": "Customers who got it ordered more than those held out, and the interval is above 0."},
              {"stepId": "welcome-2", "label": "Our bestsellers", "holdoutPercent": 10, "mailed": 9, "sent": 9, "heldOut": null, "skipped": 0,
               "openRate": null, "clickRate": null, "mailedConversionRate": null, "heldOutConversionRate": null, "lift": null, "liftLower": null, "liftUpper": null,
               "incrementalConversions": null, "incrementalConversionsLower": null, "incrementalConversionsUpper": null, "incrementalValue": null,
               "incrementalValueLower": null, "incrementalValueUpper": null, "offerCost": null, "netValue": null, "optOutRate": null,
               "verdict": null, "reason": "Fewer than 10 customers in a group: too few to show."}]}
            """)]),
    ];
}
