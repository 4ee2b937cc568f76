using CampaignStudio.Web.Features.Campaigns;

namespace CampaignStudio.Web.Api;

/// <summary>Campaigns: the wizard's draft, its review, the launched campaign and its results.</summary>
public static partial class OpenApiExamples
{
    private static IEnumerable<(string Schema, Example[] Examples)> Campaigns() =>
    [
        (nameof(CampaignRequest), [new("template", "One template for the segment, sent now", """
            {"name": "Spring sale in Germany", "segmentId": 12, "templateId": 3, "experimentId": null, "armTemplates": null, "discountTier": "10%",
             "attributionWindowDays": 7, "schedule": "now", "localSendTime": null, "timeZoneId": null, "deliverAtBestHour": false}
            """), new("experiment", "An e-mail per arm of an experiment, at 9:00 Berlin time", """
            {"name": "Subject line test", "segmentId": 12, "templateId": null, "experimentId": 5, "armTemplates": {"Treatment": 4, "Control": 3},
             "discountTier": null, "attributionWindowDays": 7, "schedule": "later", "localSendTime": "2026-06-16T09:00:00", "timeZoneId": "Europe/Berlin",
             "deliverAtBestHour": false}
            """)]),
        (nameof(CampaignReviewResponse), [new("ready", "Ready to launch: 1,840 in the audience, 1,790 may be mailed", """
            {"audience": 1840, "mailable": 1790, "suppressed": 50, "willBeMailed": 1790, "notMailedByDesign": 0, "canLaunch": true, "problems": [],
             "arms": [{"name": "All", "isControl": false, "isHoldout": false, "templateName": "Spring sale — 10% off", "customers": 1790}],
             "contents": [{"label": "All", "templateName": "Spring sale — 10% off",
               "preview": {"subject": "Anna, spring is here: 10% off running shoes", "preheader": "This week only, in the shop and online",
                 "html": "<h1>Spring is here, Anna!</h1><p>Take 10% off new running shoes this week.</p>", "text": "Spring is here, Anna! Take 10% off new running shoes this week.",
                 "errors": [], "spamWarnings": [], "fieldWarnings": []},
               "mergeFieldRecipients": 1790, "missingMergeFields": [{"field": "customer.first_name", "recipients": 112, "isKnown": true}]}],
             "fairness": [], "deliveryHours": null, "rollout": null}
            """), new("blocked", "Not yet: nobody in the segment opted in", """
            {"audience": 14, "mailable": 0, "suppressed": 14, "willBeMailed": 0, "notMailedByDesign": 0, "canLaunch": false,
             "problems": ["Nobody in this segment may be mailed (no opt-in)."], "arms": [], "contents": [], "fairness": [], "deliveryHours": null, "rollout": null}
            """)]),
        (nameof(CampaignResponse), [new("scheduled", "Launched and handed to the send worker", """
            {"id": 41, "name": "Spring sale in Germany", "status": "Scheduled", "segmentId": 12, "segmentName": "German spenders", "snapshotSegmentId": 57,
             "experimentId": null, "templateId": 3, "scheduledAt": "2026-06-15T09:20:00Z", "timeZoneId": "UTC", "deliverAtBestHour": false, "discountTier": "10%",
             "attributionWindowDays": 7, "audience": 1790, "createdAt": "2026-06-15T09:20:00Z", "launchedAt": null, "completedAt": null, "autoPauseReason": null,
             "queued": 0, "sent": 0, "failed": 0, "suppressed": 0, "cancelled": 0, "waitingForTheirHour": 0}
            """), new("completed", "Sent to everyone", """
            {"id": 41, "name": "Spring sale in Germany", "status": "Completed", "segmentId": 12, "segmentName": "German spenders", "snapshotSegmentId": 57,
             "experimentId": null, "templateId": 3, "scheduledAt": "2026-06-15T09:20:00Z", "timeZoneId": "UTC", "deliverAtBestHour": false, "discountTier": "10%",
             "attributionWindowDays": 7, "audience": 1790, "createdAt": "2026-06-15T09:20:00Z", "launchedAt": "2026-06-15T09:20:05Z", "completedAt": "2026-06-15T09:31:40Z",
             "autoPauseReason": null, "queued": 0, "sent": 1786, "failed": 4, "suppressed": 0, "cancelled": 0, "waitingForTheirHour": 0}
            """)]),
        (nameof(CampaignListItemResponse), [new("campaign", "A campaign in the list", """
            {"id": 41, "name": "Spring sale in Germany", "status": "Completed", "audience": 1790, "sent": 1786, "failed": 4, "launchedAt": "2026-06-15T09:20:05Z"}
            """)]),
        (nameof(WizardChoices), [new("choices", "What the wizard offers", """
            {"segments": [{"id": 12, "name": "German spenders"}, {"id": 14, "name": "Lapsed runners"}],
             "experiments": [{"id": 5, "name": "Subject line test", "variants": [
               {"id": 9, "name": "Control", "isControl": true, "isHoldout": false, "weight": 0.45, "templateId": 3},
               {"id": 10, "name": "Treatment", "isControl": false, "isHoldout": false, "weight": 0.45, "templateId": 4},
               {"id": 11, "name": "Holdout", "isControl": false, "isHoldout": true, "weight": 0.10, "templateId": null}]}],
             "templates": [{"id": 3, "name": "Spring sale — 10% off"}, {"id": 4, "name": "Spring sale — personal subject"}]}
            """)]),
        (nameof(CampaignResultsResponse), [new("results", "One variant; clicks too few to show (fewer than 10)", """
            {"campaignId": 41, "minGroupSize": 10, "variants": [
              {"variant": "All", "noMessage": false, "customers": 1790, "sent": 1786, "opened": 702, "clicked": null, "conversions": null, "revenue": null}]}
            """)]),
    ];
}
