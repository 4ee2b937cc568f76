using CampaignStudio.Sending.Experiments;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Offers;

namespace CampaignStudio.Web.Api;

/// <summary>Experiments and offers: starting, measuring, and the learned "which offer for whom" policy.</summary>
public static partial class OpenApiExamples
{
    private const string OfferArms = """
        [{"name": "No offer", "sendsMessage": true, "costs": {"discount": 0, "messageCost": 0.002, "redemptionCost": 0, "sendsMessage": true},
          "value": {"name": "No offer", "valuePerCustomer": 1.92, "standardError": 0.21, "ci": {"lower": 1.51, "upper": 2.33}}, "share": 0.5, "learnedShare": 0.64},
         {"name": "10% off", "sendsMessage": true, "costs": {"discount": 0.10, "messageCost": 0.002, "redemptionCost": 0.35, "sendsMessage": true},
          "value": {"name": "10% off", "valuePerCustomer": 2.18, "standardError": 0.24, "ci": {"lower": 1.71, "upper": 2.65}}, "share": 0.5, "learnedShare": 0.36}]
        """;

    private const string SubjectLineTest = """
        {"id": 5, "name": "Subject line test", "hypothesis": "A personal subject line gets more buyers than the plain one.", "status": "Running", "source": "Campaign",
         "metric": "Conversion", "audienceSegmentId": 12, "audienceName": "German spenders", "attributionWindowDays": 7, "holdoutShare": 0, "guardrails": ["Unsubscribes"],
         "arms": [{"id": 9, "name": "Control", "isControl": true, "isHoldout": false, "weight": 50, "emailTemplateId": 3, "customers": 2000},
                  {"id": 10, "name": "Personal subject", "isControl": false, "isHoldout": false, "weight": 50, "emailTemplateId": 4, "customers": 2000}],
         "customers": 4000, "hasStudioCustomers": true, "hasCovariates": true, "createdAt": "2026-06-01T08:00:00Z", "startedAt": "2026-06-02T09:00:00Z", "endedAt": null,
         "campaign": {"id": 41, "name": "Spring sale in Germany"}, "waitsForItsCampaign": false}
        """;

    private const string SubjectLineDesign = """
        {"name": "Subject line test", "hypothesis": "A personal subject line gets more buyers than the plain one.", "audienceSegmentId": 12, "metric": "Conversion",
         "attributionWindowDays": 7, "holdoutShare": 0,
         "arms": [{"name": "Control", "isControl": true, "weight": 50, "emailTemplateId": 3}, {"name": "Personal subject", "isControl": false, "weight": 50, "emailTemplateId": 4}],
         "guardrails": ["Unsubscribes"],
         "power": {"baselineRate": 0.03, "minimumDetectableEffect": 0.2, "effectKind": "Relative", "alpha": 0.05, "power": 0.8, "arms": 2, "eligiblePerDay": 400,
                   "availableAudience": 4000, "weights": [50, 50], "armNames": ["Control", "Personal subject"], "holdoutShare": 0},
         "allocation": "Fixed", "adaptive": {"rounds": 4, "intervalHours": 24, "burnInRounds": 1, "floorPerArm": 0.1}, "rollout": null}
        """;

    private const string FirstRound = """
        {"number": 1, "tookEffectAt": "2026-06-02T09:00:00Z", "weights": {"Control": 0.5, "Personal subject": 0.5}, "customers": 1000}
        """;

    private static IEnumerable<(string Schema, Example[] Examples)> Experiments() =>
    [
        (nameof(ExperimentDetail), [new("running", "The subject line test, running on the spring campaign", SubjectLineTest)]),
        (nameof(ExperimentSummary), [new("running", "The subject line test on the dashboard: the personal subject ahead, not yet sure", """
            {"id": 5, "name": "Subject line test", "status": "Running", "source": "Campaign", "metric": "Conversion", "arms": 2, "customers": 4000,
             "startedAt": "2026-06-02T09:00:00Z", "endedAt": null, "bestArm": "Personal subject", "relativeLift": 0.18, "relativeLower": -0.04, "relativeUpper": 0.44,
             "absoluteLift": 0.0054, "verdict": "Keep waiting", "sampleRatioMismatch": false, "adjustment": "Unadjusted", "reading": "Sequential",
             "fixedLower": 0.02, "fixedUpper": 0.36, "alwaysValidLower": -0.04, "alwaysValidUpper": 0.44}
            """)]),
        (nameof(ExperimentDesign), [new("subject-line", "Two subject lines for German spenders, half each", SubjectLineDesign)]),
        (nameof(SavedDesign), [new("saved", "The draft's id", """
            {"experimentId": 5}
            """)]),
        (nameof(ImportResponse), [new("imported", "A finished test from a results file, columns suggested from its header", """
            {"experimentId": 6, "rows": 4000, "arms": {"Control": 2000, "Personal subject": 2000},
             "mapping": {"armColumn": "arm", "controlArm": "Control", "conversionColumn": "converted", "revenueColumn": "revenue", "visitColumn": null, "clickColumn": null,
                         "prePeriodColumn": "revenue_before", "covariateColumns": ["revenue_before"], "arms": null, "plannedSplit": null, "idColumn": "customer_id"}}
            """)]),
        (nameof(AnalysisResponse), [new("analysis", "Personal subject ahead by 18 %, the always-valid interval still includes no lift", $$$"""
            {"experiment": {{{SubjectLineTest}}}, "metric": "Conversion", "verdict": "Keep waiting", "cupedAvailable": true, "problem": null,
             "analysis": {"metric": "Rate", "alpha": 0.05,
               "arms": [{"name": "Control", "isControl": true, "n": 2000, "mean": 0.030, "unadjustedMean": 0.030, "standardError": 0.0038, "chanceToBeBest": 0.16, "vsControl": null},
                        {"name": "Personal subject", "isControl": false, "n": 2000, "mean": 0.0354, "unadjustedMean": 0.0354, "standardError": 0.0041, "chanceToBeBest": 0.84,
                         "vsControl": {"absoluteLift": 0.0054, "absoluteLiftCi": {"lower": 0.0006, "upper": 0.0102}, "relativeLift": 0.18, "relativeLiftCi": {"lower": 0.02, "upper": 0.36},
                                       "statistic": 0.97, "degreesOfFreedom": null, "pValue": 0.33, "adjustedPValue": 0.33, "chanceToBeatControl": 0.84, "verdict": "Inconclusive"}}],
               "sampleRatio": {"chiSquare": 0, "degreesOfFreedom": 1, "pValue": 1, "warning": false, "expectedShares": [0.5, 0.5], "observedShares": [0.5, 0.5]},
               "cuped": null, "warnings": []},
             "minGroupSize": 10, "hiddenArms": [], "cupedApplied": false, "cupedVarianceReduction": 0.02, "reading": "Sequential", "sequential": null,
             "sampleRatioMismatch": false, "adaptive": null, "weightingNote": null}
            """)]),
        (nameof(StartPreview), [new("preview", "4,000 mailable customers, half each; power 0.81 for the planned effect", """
            {"experimentId": 5, "customers": 4000,
             "arms": [{"name": "Control", "isControl": true, "isHoldout": false, "email": "Spring sale — 10% off", "customers": 2000},
                      {"name": "Personal subject", "isControl": false, "isHoldout": false, "email": "Spring sale — personal subject", "customers": 2000}],
             "power": 0.81, "targetPower": 0.8, "warnings": []}
            """)]),
        (nameof(StartResponse), [new("started", "Started: 4,000 customers assigned for good", """
            {"experimentId": 5, "customers": 4000, "arms": {"Control": 2000, "Personal subject": 2000}}
            """)]),
        (nameof(PlanResponse), [new("plan", "3 % buy today; finding a 20 % lift takes 13,900 customers per arm", """
            {"plan": {"perArm": 13914, "total": 27828, "adjustedAlpha": 0.05, "targetRate": 0.036, "absoluteEffect": 0.006, "days": 70, "powerWithAvailableAudience": null,
                      "audienceTooSmall": false, "warnings": [], "armSizes": [13914, 13914], "holdout": 0, "comparisons": 1}, "error": null}
            """), new("error", "A baseline rate that is not a share", """
            {"plan": null, "error": "The baseline rate is a share between 0 and 1 (3 % is 0.03)."}
            """)]),
        (nameof(RolloutState), [new("waiting", "10 % tested, the rest released after 48 hours", """
            {"design": {"testShare": 0.1, "waitHours": 48, "confidence": 0.95, "fallbackArm": "Control"}, "decidesAt": "2026-06-04T09:00:00Z", "decidedAt": null,
             "winner": null, "decision": "Waiting: the rest is released on 4 June at 09:00."}
            """)]),
        (nameof(AllocationLog), [new("rounds", "An adaptive test after its first of four rounds", $$"""
            {"rounds": [{{FirstRound}}], "plannedRounds": 4, "nextRoundFrom": "2026-06-03T09:00:00Z"}
            """)]),
        (nameof(RoundOutcome), [new("sent", "The second round, weighted toward the personal subject", """
            {"sent": {"number": 2, "tookEffectAt": "2026-06-03T09:00:00Z", "weights": {"Control": 0.35, "Personal subject": 0.65}, "customers": 1000},
             "message": "Round 2 sent to 1,000 customers."}
            """), new("not-due", "Too early for the next round", """
            {"sent": null, "message": "The next round may go from 3 June 09:00."}
            """)]),
        (nameof(PolicyRealised), [new("waiting", "A launched policy's round before its attribution window closed", """
            {"experimentId": 7, "sourceExperimentId": 5, "predicted": {"perCustomer": 0.23, "lower": 0.05, "upper": 0.41}, "realisedAfter": "2026-06-22T09:00:00Z",
             "realised": null, "policyValue": null, "noMessageValue": null, "customers": 3800,
             "summary": "Predicted: 0.23 more per customer than no message. The realised gain is known after 22 June."}
            """)]),
        (nameof(StartRequest), [new("confirm", "Start, after reading the preview's count", """
            {"confirm": true, "expectedCustomers": 4000}
            """)]),
        (nameof(OutcomesResponse), [new("measured", "Outcomes measured for every customer in the experiment", """
            {"experimentId": 5, "customers": 4000}
            """)]),
        (nameof(OfferCostsInput), [new("costs", "What each offer costs, with a 40% margin", """
            {"margin": 0.4, "arms": {
              "No offer": {"discount": 0, "messageCost": 0.002, "redemptionCost": 0, "sendsMessage": true},
              "10% off": {"discount": 0.10, "messageCost": 0.002, "redemptionCost": 0.35, "sendsMessage": true}}}
            """)]),
        (nameof(OfferPolicyStatusResponse), [new("trained", "Trained: the learned policy beats sending the best offer to everyone", $$$"""
            {"status": "Completed", "progress": 1, "stage": "Done", "error": null, "trainedAt": "2026-06-15T10:02:00Z", "customers": 4000, "margin": 0.4,
             "trainingRows": 4000, "roundRows": 0,
             "learnedPolicy": {"name": "Learned policy", "valuePerCustomer": 2.41, "standardError": 0.19, "ci": {"lower": 2.04, "upper": 2.78}},
             "noMessage": null,
             "gainOverBestArm": {"name": "Gain over 10% off for everyone", "valuePerCustomer": 0.23, "standardError": 0.09, "ci": {"lower": 0.05, "upper": 0.41}},
             "gainOverNoMessage": null, "arms": {{{OfferArms}}},
             "recommendation": {"useLearnedPolicy": true, "arm": null, "reason": "The learned policy earns 0.23 more per customer than 10% off for everyone, and the interval is above 0."}}
            """), new("training", "Still training", """
            {"status": "Running", "progress": 0.4, "stage": "Fitting the uplift model", "error": null}
            """)]),
        ("PolicyLaunchRequest", [new("launch", "Send the learned offers, keeping 10% to keep learning and 5% as holdout", """
            {"templates": {"No offer": 3, "10% off": 4}, "explorationShare": 0.1, "holdoutShare": 0.05, "name": "Summer offers (learned)", "scheduledAt": null}
            """)]),
        (nameof(PolicyLaunchResponse), [new("launched", "A campaign with an e-mail per offer", """
            {"experimentId": 5, "campaignId": 44, "name": "Summer offers (learned)", "recipients": 3800, "notMailable": 180, "notCustomers": 20,
             "unreached": "200 customers of the experiment may not be mailed or are no longer customers.",
             "arms": [{"arm": "No offer", "sendsMessage": true, "policy": 2280, "exploration": 190, "holdout": 95, "total": 2565},
                      {"arm": "10% off", "sendsMessage": true, "policy": 1140, "exploration": 0, "holdout": 95, "total": 1235}]}
            """)]),
    ];
}
