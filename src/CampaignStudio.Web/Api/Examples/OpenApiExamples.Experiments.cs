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

    private static IEnumerable<(string Schema, Example[] Examples)> Experiments() =>
    [
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
