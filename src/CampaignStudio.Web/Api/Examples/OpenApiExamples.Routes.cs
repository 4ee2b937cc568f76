namespace CampaignStudio.Web.Api;

/// <summary>Bodies with no type of their own: form uploads and sign-in forms by route, bare answers (a list of strings, a map, a number) by route and status, downloads by route, status and media type.</summary>
public static partial class OpenApiExamples
{
    /// <summary>The customer export's columns and Anna's row: every customer, or a segment's members.</summary>
    private const string CustomersCsv = """
        "id,external_id,email,first_name,last_name,country,city,birth_year,age_band,gender,created_at,email_consent,email_consent_at,attributes\n1042,C-1042,anna.schmidt@example.com,Anna,Schmidt,DE,Berlin,1988,35-44,f,2026-03-02T10:15:00Z,OptedIn,2026-06-15T09:41:12Z,{}\n"
        """;

    private static IEnumerable<(string Route, Example[] Examples)> Routes() =>
    [
        ("POST /api/imports", [new("customers", "A customer CSV, its columns matched by name", """
            {"file": "email,first_name,last_name,country\nanna.schmidt@example.com,Anna,Schmidt,DE\n", "kind": "customers", "mapping": null,
             "encoding": "utf-8", "dateFormat": "dd.mm.yyyy", "duplicates": null}
            """)]),
        ("POST /api/assets", [new("banner", "A banner image for the spring e-mails", """
            {"file": "(the PNG file's bytes)"}
            """)]),
        ("POST /account/login", [new("marketer", "Signing in on the login page", """
            {"email": "marketer@shop.example.com", "password": "correct-horse-battery-staple", "returnUrl": "/campaigns"}
            """)]),
        ("GET /api/segments/suggestions 200", [new("cities", "Cities containing 'ber', most frequent first", """
            ["Berlin", "Oberhausen", "Bernau bei Berlin"]
            """)]),
        ("GET /api/products/categories 200", [new("categories", "The catalogue's categories, most products in stock first", """
            [{"name": "Running shoes", "products": 42, "inStock": 39}, {"name": "Socks", "products": 18, "inStock": 18}]
            """)]),
        ("GET /api/products/brands 200", [new("brands", "The catalogue's brands, most products in stock first", """
            [{"name": "Northpeak", "products": 35, "inStock": 31}, {"name": "Trailwise", "products": 12, "inStock": 9}]
            """)]),
        ("GET /api/assets/uses 200", [new("uses", "Which templates show each image", """
            {"spring-banner.png": ["Spring sale — 10% off", "Spring sale — personal subject"], "logo.png": ["Welcome"]}
            """)]),
        ("POST /api/settings/webhooks/{id}/test 202", [new("queued", "The id of the test delivery, to find it in the delivery log", """
            9913
            """)]),
        ("POST /api/settings/webhooks/deliveries/{deliveryId}/retry 202", [new("queued", "The id of the delivery queued again", """
            9907
            """)]),
        ("GET /api/predictive/value-report.csv 200 text/csv", [new("report", "Customers per value band and churn risk; small groups shown as < k", """
            "predicted_value_band,churn_risk,customers,noise_scale\nHigh,0–25 %,412,\nHigh,25–50 %,< 10,\n"
            """)]),
        ("GET /api/imports/{id}/errors.csv 200 text/csv", [new("refused", "One refused row, with its line and why", """
            "line,reason,row\n7,The e-mail 'anna.schmidt@' is not an address.,\"anna.schmidt@,Anna,Schmidt,DE\"\n"
            """)]),
        ("GET /api/experiments/{id}/uplift-scores.csv 200 text/csv", [new("scores", "Anna's uplift by every learner and her chance to buy", """
            "row,customer_id,external_id,file_id,arm,outcome,uplift_t_learner,uplift_x_learner,uplift_class_transformation,purchase_propensity\n1,1042,C-1042,1042,Personal subject,1,0.021,0.018,0.025,0.064\n"
            """)]),
        ("GET /api/experiments/{id}/policy.csv 200 text/csv", [new("policy", "The offer the learned policy sends each customer", """
            "customer_id,arm\n1042,10% off\n1043,No offer\n"
            """)]),
        ("GET /api/consent/proof.csv 200 text/csv", [new("proof", "Anna's double opt-in: the pending sign-up and her click", """
            "record_id,customer_id,email,recorded_at,channel,purpose,status,source,wording_version,actor,ip_address,campaign_id,note\n8810,1042,anna.schmidt@example.com,2026-06-15T09:30:00Z,Email,marketing,Pending,Api,signup-form-v2,marketer@shop.example.com,203.0.113.7,,\n8811,1042,anna.schmidt@example.com,2026-06-15T09:41:12Z,Email,marketing,OptedIn,DoubleOptIn,signup-form-v2,anna.schmidt@example.com,198.51.100.23,,\n"
            """)]),
        ("GET /api/customers/export.csv 200 text/csv", [new("customers", "Every customer, one row each", CustomersCsv)]),
        ("GET /api/segments/{id}/export.csv 200 text/csv", [new("members", "The members of \"German spenders\"", CustomersCsv)]),
        ("GET /api/customers/{id}/privacy-export.{format} 200 text/csv", [new("csv", "Anna's data as one long list: section, record, field, value", """
            "section,record,field,value\nprofile,1042,email,anna.schmidt@example.com\nprofile,1042,first_name,Anna\npurchases,5501,amount,84.90\n"
            """)]),
        ("GET /api/customers/{id}/privacy-export.{format} 200 application/json", [new("json", "Anna's data: profile, purchases, events, consent, mails, segments and experiments", """
            {"exportedAt": "2026-06-16T08:00:00Z",
             "profile": {"id": 1042, "externalId": "C-1042", "email": "anna.schmidt@example.com", "firstName": "Anna", "lastName": "Schmidt", "country": "DE", "city": "Berlin",
                         "birthYear": 1988, "ageBand": "35-44", "gender": "f", "createdAt": "2026-03-02T10:15:00Z", "updatedAt": "2026-06-15T09:41:12Z",
                         "emailConsent": "OptedIn", "emailConsentAt": "2026-06-15T09:41:12Z", "isErased": false, "attributes": {}},
             "purchases": [{"id": 5501, "orderId": "A-88120", "amount": 84.90, "currency": "EUR", "category": "Running shoes", "product": "Trail runner 2", "purchasedAt": "2026-05-20T17:02:00Z"}],
             "events": [], "consent": [], "messages": [], "segments": ["German spenders"], "experiments": [{"experiment": "Subject line test", "variant": "Personal subject", "assignedAt": "2026-06-02T09:00:00Z"}]}
            """)]),
        ("POST /setup", [new("admin", "The first administrator, on the setup page", """
            {"email": "admin@shop.example.com", "password": "correct-horse-battery-staple", "confirm": "correct-horse-battery-staple"}
            """)]),
    ];
}
