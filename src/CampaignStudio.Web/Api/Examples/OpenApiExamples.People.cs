using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Features.Events;
using CampaignStudio.Web.Features.Products;
using Microsoft.AspNetCore.Mvc;

namespace CampaignStudio.Web.Api;

/// <summary>Customers, purchases, events, imports, products and consent: the shop's data coming in, and what the studio knows about a person.</summary>
public static partial class OpenApiExamples
{
    private static IEnumerable<(string Schema, Example[] Examples)> People() =>
    [
        (nameof(CustomerBatch), [new("shop", "Two customers from the shop, matched by e-mail", """
            {"customers": [
              {"email": "anna.schmidt@example.com", "externalId": "C-1001", "firstName": "Anna", "lastName": "Schmidt", "country": "DE", "city": "Berlin",
               "birthYear": 1988, "ageBand": null, "gender": "female", "createdAt": "2025-03-02T10:15:00Z", "attributes": {"loyalty_tier": "gold"}},
              {"email": "jonas.weber@example.com", "externalId": "C-1002", "firstName": "Jonas", "lastName": "Weber", "country": "DE", "city": "Hamburg",
               "birthYear": null, "ageBand": "25-34", "gender": null, "createdAt": null, "attributes": {}}
            ], "matchOn": "email"}
            """)]),
        (nameof(PurchaseBatch), [new("orders", "Two orders from the shop", """
            {"purchases": [
              {"customerEmail": "anna.schmidt@example.com", "customerExternalId": null, "orderId": "SO-5531", "amount": 129.90, "currency": "EUR",
               "category": "Running shoes", "product": "Trail Runner 2", "purchasedAt": "2026-06-01T18:42:00Z"},
              {"customerEmail": "jonas.weber@example.com", "customerExternalId": null, "orderId": "SO-5532", "amount": 34.50, "currency": "EUR",
               "category": "Socks", "product": "Merino socks, 3 pairs", "purchasedAt": "2026-06-02T08:05:00Z"}
            ], "matchOn": "email"}
            """)]),
        (nameof(EventBatch), [new("events", "What customers did in the shop", """
            {"events": [
              {"customerEmail": "anna.schmidt@example.com", "customerExternalId": null, "eventId": "view-98121", "type": "viewed_product", "occurredAt": "2026-06-14T19:02:00Z"},
              {"customerEmail": "jonas.weber@example.com", "customerExternalId": null, "eventId": "cart-44102", "type": "added_to_cart", "occurredAt": "2026-06-14T19:10:00Z"}
            ], "matchOn": "email"}
            """)]),
        (nameof(BatchResult), [new("saved", "One new, one updated, nothing refused", """
            {"inserted": 1, "updated": 1, "errors": []}
            """), new("refused", "One item refused, by its position", """
            {"inserted": 1, "updated": 0, "errors": [{"item": 2, "reason": "'jonas.weber@example' is not an e-mail address."}]}
            """)]),
        (nameof(TrackEventsRequest), [new("batch", "Events as they happen, one refused", """
            {"events": [
              {"eventId": "view-991", "type": "viewed_product", "email": null, "externalId": "C-1001", "occurredAt": null, "properties": {"product": "SKU-1042"}},
              {"eventId": "order-5531", "type": "order_placed", "email": "anna.schmidt@example.com", "externalId": null, "occurredAt": "2026-06-15T09:30:00+02:00",
               "properties": {"orderId": "5531", "total": 99.80, "currency": "EUR"}},
              {"eventId": "view-992", "type": "Viewed Product", "email": "jonas.weber@example.com", "externalId": null, "occurredAt": null, "properties": null}
            ]}
            """)]),
        (nameof(TrackEventsResponse), [new("batch", "The answer to the batch", """
            {"accepted": 2, "duplicates": 0, "refused": 1, "results": [
              {"item": 1, "eventId": "view-991", "status": "accepted", "reason": null},
              {"item": 2, "eventId": "order-5531", "status": "accepted", "reason": null},
              {"item": 3, "eventId": "view-992", "status": "refused", "reason": "type 'Viewed Product' is not a lower_snake name of at most 60 characters (e.g. added_to_cart)"}
            ]}
            """)]),
        (nameof(CustomerPage), [new("page", "The first page of a search for 'anna'", """
            {"items": [
              {"id": 1042, "externalId": "C-1001", "email": "anna.schmidt@example.com", "firstName": "Anna", "lastName": "Schmidt", "country": "DE", "city": "Berlin",
               "emailConsent": 2, "createdAt": "2025-03-02T10:15:00Z", "churnRisk": 0.18, "valueBand": 2, "name": "Anna Schmidt"}
            ], "total": 1, "totalIsCapped": false, "totalIsEstimate": false}
            """)]),
        (nameof(CustomerResponse), [new("customer", "A customer who opted in and ordered twice", """
            {"id": 1042, "externalId": "C-1001", "email": "anna.schmidt@example.com", "firstName": "Anna", "lastName": "Schmidt", "country": "DE", "city": "Berlin",
             "birthYear": 1988, "ageBand": "35-44", "gender": "female", "createdAt": "2025-03-02T10:15:00Z", "updatedAt": "2026-06-01T18:42:00Z",
             "attributes": {"loyalty_tier": "gold"}, "emailConsent": 2, "purchases": 2, "totalSpent": 189.40, "lastPurchaseAt": "2026-06-01T18:42:00Z"}
            """)]),
        (nameof(CustomerConsentResponse), [new("proof", "Opted in by double opt-in: the signup, then the click", """
            {"customerId": 1042, "email": "anna.schmidt@example.com", "emailConsent": 2, "history": [
              {"id": 3312, "status": "OptedIn", "channel": "Email", "purpose": "marketing", "source": "DoubleOptIn", "wordingVersion": "double-opt-in-page-v1",
               "actor": "anna.schmidt@example.com", "ipAddress": "203.0.113.24", "recordedAt": "2026-05-20T08:14:09Z", "campaignId": null, "note": null},
              {"id": 3298, "status": "Pending", "channel": "Email", "purpose": "marketing", "source": "Api", "wordingVersion": "newsletter-signup-v3",
               "actor": "marketer@shop.example.com", "ipAddress": null, "recordedAt": "2026-05-20T08:02:41Z", "campaignId": null, "note": null}
            ]}
            """)]),
        (nameof(DoubleOptInRequest), [new("signup", "The wording the customer agreed to on the shop's signup form", """
            {"wordingVersion": "newsletter-signup-v3"}
            """)]),
        (nameof(OptOutRequest), [new("phone", "An opt-out asked for on the phone", """
            {"note": "Asked by phone to receive no more newsletters (ticket 8812)."}
            """)]),
        (nameof(ConsentStatusResponse), [new("optedOut", "The customer's consent now", """
            {"status": "OptedOut"}
            """)]),
        (nameof(ImportJobResponse), [new("finished", "A customer import that has finished", """
            {"id": 7, "kind": "customers", "status": "Completed", "fileName": "shop-customers-june.csv", "linesRead": 2500, "new": 2310, "updated": 180,
             "refused": 8, "blank": 2, "continuationLines": 0, "replacedRows": 0, "everyLineAccountedFor": true,
             "message": null, "createdAt": "2026-06-15T08:30:00Z", "finishedAt": "2026-06-15T08:30:12Z"}
            """)]),
        (nameof(ProductBatch), [new("catalogue", "Two products from the shop's catalogue", """
            {"products": [
              {"id": "SKU-1042", "name": "Trail Runner 2", "url": "https://shop.example.com/p/trail-runner-2", "imageUrl": "https://shop.example.com/img/trail-runner-2.jpg",
               "price": 129.90, "salePrice": 109.90, "currency": "EUR", "category": "Running shoes", "brand": "Northpeak", "inStock": true, "attributes": {"colour": "blue"}},
              {"id": "SKU-2210", "name": "Merino socks, 3 pairs", "url": "https://shop.example.com/p/merino-socks", "imageUrl": null,
               "price": 34.50, "salePrice": null, "currency": "EUR", "category": "Socks", "brand": "Northpeak", "inStock": true, "attributes": {}}
            ]}
            """)]),
        (nameof(ProductListResponse), [new("page", "The catalogue, first page", """
            {"items": [
              {"id": "SKU-1042", "name": "Trail Runner 2", "url": "https://shop.example.com/p/trail-runner-2", "imageUrl": "https://shop.example.com/img/trail-runner-2.jpg",
               "price": 129.90, "salePrice": 109.90, "currency": "EUR", "category": "Running shoes", "brand": "Northpeak", "inStock": true, "updatedAt": "2026-06-14T22:00:00Z"}
            ], "total": 1}
            """)]),
        (nameof(ProductDetailResponse), [new("product", "A product with what was bought with it", """
            {"id": "SKU-1042", "name": "Trail Runner 2", "url": "https://shop.example.com/p/trail-runner-2", "imageUrl": "https://shop.example.com/img/trail-runner-2.jpg",
             "price": 129.90, "salePrice": 109.90, "currency": "EUR", "category": "Running shoes", "brand": "Northpeak", "inStock": true, "attributes": {"colour": "blue"},
             "createdAt": "2026-02-01T09:00:00Z", "updatedAt": "2026-06-14T22:00:00Z", "buyers": 214, "orders": 231, "revenue": 27456.90, "minGroupSize": 10,
             "boughtTogether": [{"id": "SKU-2210", "name": "Merino socks, 3 pairs", "inCatalogue": true, "buyers": 61}]}
            """)]),
        (nameof(CollectionResponse), [new("category", "What a grid of the category \"Socks\" shows in a mail sent now: in stock only, best sellers first", """
            {"key": "category:Socks", "liquid": "collections[\"category:Socks\"]", "problem": null, "products": [
              {"id": "SKU-2210", "name": "Merino socks, 3 pairs", "url": "https://shop.example.com/p/merino-socks", "imageUrl": null,
               "price": 34.50, "salePrice": null, "currency": "EUR", "category": "Socks", "brand": "Northpeak"}
            ]}
            """)]),
    ];
}
