using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Features.SenderHealth;

namespace CampaignStudio.Web.Api;

/// <summary>Running the sending: sender health, bounces and the image library.</summary>
public static partial class OpenApiExamples
{
    private const string HealthyFigures = """
        {"sent": {"value": 1786, "about": false}, "delivered": {"value": 1770, "about": false}, "hardBounced": {"value": 9, "about": false},
         "softBounced": {"value": 7, "about": false}, "complaints": {"value": null, "about": true}, "unsubscribes": {"value": 12, "about": false},
         "hardBounceRate": {"value": 0.005, "about": false}, "softBounceRate": {"value": 0.004, "about": false}, "complaintRate": {"value": null, "about": true},
         "unsubscribeRate": {"value": 0.0068, "about": false}}
        """;

    private static IEnumerable<(string Schema, Example[] Examples)> Operations() =>
    [
        (nameof(SenderHealthResponse), [new("week", "The last 7 days: healthy; complaints too few to show", $$"""
            {"from": "2026-06-09T00:00:00Z", "to": "2026-06-15T09:00:00Z", "days": 7, "minGroupSize": 10,
             "limits": {"hardBounceRate": 0.05, "hardBounceMinimumSent": 200, "complaintRate": 0.003, "complaintMinimumDelivered": 500},
             "optOutWaitSeconds": 0.4, "optOutWaitingSince": null, "optOutStillWaiting": false, "overall": {{HealthyFigures}},
             "domains": [{"name": "gmail.com", "figures": {{HealthyFigures}}}],
             "campaigns": [{"id": 41, "name": "Spring sale in Germany", "status": "Completed", "sendingDomain": "shop.example.com", "pausedAutomatically": false,
                            "pauseReason": null, "figures": {{HealthyFigures}}}],
             "scope": "All mail", "daily": [{"day": "2026-06-15", "figures": {{HealthyFigures}}}]}
            """)]),
        (nameof(BounceOverview), [new("bounces", "One hard bounce suppressed, with its evidence", """
            {"totals": {"hard": 1, "soft": 0, "complaints": 0, "notUnderstood": 0, "unmatched": 0},
             "suppressions": [{"recordId": 3320, "customerId": 1077, "email": "j.weber@oldmail.example", "status": 4, "suppressedAt": "2026-06-15T09:33:10Z",
               "eventId": 71, "kind": 0, "statusCode": "5.1.1", "diagnostic": "550 5.1.1 <j.weber@oldmail.example>: Recipient address rejected: User unknown",
               "campaignId": 41, "campaignName": "Spring sale in Germany", "note": null, "isLifted": false, "canBeLifted": false}],
             "unread": []}
            """)]),
        ("ImageAsset", [new("banner", "An image in the library", """
            {"name": "spring-banner.png", "bytes": 184320, "addedAt": "2026-06-12T15:20:00Z", "url": "/assets/images/spring-banner.png"}
            """)]),
    ];
}
