using CampaignStudio.Web.Features.Campaigns.Templates;

namespace CampaignStudio.Web.Api;

/// <summary>E-mail templates: Liquid source in, the message rendered for a customer out.</summary>
public static partial class OpenApiExamples
{
    private const string SpringHtml = "<h1>Spring is here, {{ customer.first_name | default: \\\"there\\\" }}!</h1><p>Take {{ campaign.discount_tier | default: \\\"10%\\\" }} off "
        + "new running shoes this week.</p><p><a href=\\\"https://shop.example.com/spring\\\">Shop the spring collection</a></p>";

    private const string SpringText = "Spring is here, {{ customer.first_name | default: \\\"there\\\" }}! Take {{ campaign.discount_tier | default: \\\"10%\\\" }} off "
        + "new running shoes this week: https://shop.example.com/spring";

    private static IEnumerable<(string Schema, Example[] Examples)> Templates() =>
    [
        (nameof(TemplateRequest), [new("spring", "A spring sale e-mail in Liquid", $$$"""
            {"name": "Spring sale — 10% off", "subject": "{{ customer.first_name | default: \"Hello\" }}, spring is here: 10% off running shoes",
             "preheader": "This week only, in the shop and online", "html": "{{{SpringHtml}}}", "text": "{{{SpringText}}}"}
            """)]),
        (nameof(PreviewRequest), [new("forCustomer", "The spring e-mail rendered for Anna, with the 10% tier", $$$"""
            {"subject": "{{ customer.first_name | default: \"Hello\" }}, spring is here: 10% off running shoes", "preheader": "This week only, in the shop and online",
             "html": "{{{SpringHtml}}}", "text": "{{{SpringText}}}", "customerId": 1042, "discountTier": "10%"}
            """)]),
        (nameof(TestSendRequest), [new("toMe", "A test of the spring e-mail to the marketer's own inbox", $$$"""
            {"subject": "{{ customer.first_name | default: \"Hello\" }}, spring is here: 10% off running shoes", "preheader": "This week only, in the shop and online",
             "html": "{{{SpringHtml}}}", "text": "{{{SpringText}}}", "customerId": 1042, "to": "marketer@shop.example.com", "discountTier": "10%"}
            """)]),
        (nameof(TestSendResponse), [new("sent", "The test went out", """
            {"sent": true, "problem": null}
            """)]),
        (nameof(SavedResponse), [new("saved", "Saved, with a warning about an unknown merge field", """
            {"id": 3, "errors": [], "warnings": ["'customer.shoe_size' is not a customer field or attribute yet: it renders empty."]}
            """)]),
        (nameof(TemplateListItem), [new("template", "A saved template", """
            {"id": 3, "name": "Spring sale — 10% off", "subject": "{{ customer.first_name | default: \"Hello\" }}, spring is here: 10% off running shoes",
             "updatedAt": "2026-06-15T09:12:00Z", "isValid": true}
            """)]),
        (nameof(TemplateResponse), [new("spring", "The saved spring e-mail", $$$"""
            {"id": 3, "name": "Spring sale — 10% off", "subject": "{{ customer.first_name | default: \"Hello\" }}, spring is here: 10% off running shoes",
             "preheader": "This week only, in the shop and online", "html": "{{{SpringHtml}}}", "text": "{{{SpringText}}}",
             "updatedAt": "2026-06-15T09:12:00Z", "blocks": null}
            """)]),
        (nameof(PreviewResponse), [new("rendered", "The spring e-mail as Anna will read it", """
            {"subject": "Anna, spring is here: 10% off running shoes", "preheader": "This week only, in the shop and online",
             "html": "<h1>Spring is here, Anna!</h1><p>Take 10% off new running shoes this week.</p><p><a href=\"https://shop.example.com/spring\">Shop the spring collection</a></p>",
             "text": "Spring is here, Anna! Take 10% off new running shoes this week: https://shop.example.com/spring",
             "errors": [], "spamWarnings": [], "fieldWarnings": []}
            """)]),
    ];
}
