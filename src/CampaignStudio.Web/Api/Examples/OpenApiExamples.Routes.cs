namespace CampaignStudio.Web.Api;

/// <summary>Bodies with no type of their own: form uploads and sign-in forms by route, and bare answers (a list of strings, a map, a number) by route and status.</summary>
public static partial class OpenApiExamples
{
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
        ("POST /setup", [new("admin", "The first administrator, on the setup page", """
            {"email": "admin@shop.example.com", "password": "correct-horse-battery-staple", "confirm": "correct-horse-battery-staple"}
            """)]),
    ];
}
