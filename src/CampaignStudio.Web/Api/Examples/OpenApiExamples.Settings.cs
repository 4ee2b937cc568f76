using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Features.SenderHealth;
using CampaignStudio.Web.Features.Settings;

namespace CampaignStudio.Web.Api;

/// <summary>Settings: sending domain and DKIM, webhooks, the brand, sending rules, automatic pause, the bounce mailbox and the gross margin.</summary>
public static partial class OpenApiExamples
{
    private const string DnsRecords = """
        [{"purpose": "DKIM", "type": "TXT", "name": "studio2026._domainkey.shop.example.com",
          "value": "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB",
          "strings": ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+b",
                      "MY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB"],
          "why": "Receivers check the signature of every e-mail against this key."},
         {"purpose": "SPF", "type": "TXT", "name": "shop.example.com", "value": "v=spf1 include:_spf.mail.example.net ~all", "strings": ["v=spf1 include:_spf.mail.example.net ~all"],
          "why": "Names the servers allowed to send for the domain."},
         {"purpose": "DMARC", "type": "TXT", "name": "_dmarc.shop.example.com", "value": "v=DMARC1; p=none; rua=mailto:dmarc@shop.example.com",
          "strings": ["v=DMARC1; p=none; rua=mailto:dmarc@shop.example.com"], "why": "Tells receivers what to do with mail that fails SPF and DKIM, and where to report."}]
        """;

    private static IEnumerable<(string Schema, Example[] Examples)> Settings() =>
    [
        (nameof(DkimSettingsRequest), [new("domain", "Sign as shop.example.com with this year's selector", """
            {"domain": "shop.example.com", "selector": "studio2026"}
            """)]),
        (nameof(DkimKeyRequest), [new("generate", "Let the studio generate a new 2048-bit key", """
            {"generate": true, "privateKeyPem": null}
            """)]),
        (nameof(DkimSettingsResponse), [new("signing", "Signing, with the DNS records to publish", $$"""
            {"signing": true, "domain": "shop.example.com", "selector": "studio2026", "publicKey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB",
             "keyCreatedAt": "2026-06-01T10:00:00Z", "fromDomain": "shop.example.com", "returnPathDomain": "shop.example.com", "records": {{DnsRecords}}}
            """)]),
        (nameof(DnsCheckResponse), [new("missingDmarc", "DKIM and SPF found, DMARC missing", """
            {"allGood": false, "nameServer": "192.0.2.53", "findings": [
              {"topic": "DKIM", "code": "dkim-ok", "ok": true, "text": "The DKIM key at studio2026._domainkey.shop.example.com matches the studio's key."},
              {"topic": "SPF", "code": "spf-ok", "ok": true, "text": "shop.example.com has one SPF record."},
              {"topic": "DMARC", "code": "dmarc-missing", "ok": false, "text": "_dmarc.shop.example.com has no DMARC record: large mailbox providers expect one."}]}
            """)]),
        (nameof(WebhookEndpointRequest), [new("consent", "The shop's endpoint for consent changes and bounces", """
            {"url": "https://hooks.shop.example.com/campaign-studio", "events": ["OptIn", "OptOut", "Bounce", "Complaint"]}
            """)]),
        (nameof(WebhookEndpointCreated), [new("created", "Registered: the secret is shown only this once", """
            {"endpoint": {"id": 2, "url": "https://hooks.shop.example.com/campaign-studio", "events": 15, "isActive": true, "createdAt": "2026-06-15T09:40:00Z",
              "delivered": 0, "pending": 0, "failed": 0},
             "secret": "whsec_3q2+7w9dBfA1kJX0cQm8ZpLrT4uVyN6e"}
            """)]),
        ("WebhookEndpointView", [new("endpoint", "A registered endpoint (events: OptIn 1, OptOut 2, Bounce 4, Complaint 8, CampaignFinished 16, added up)", """
            {"id": 2, "url": "https://hooks.shop.example.com/campaign-studio", "events": 15, "isActive": true, "createdAt": "2026-06-15T09:40:00Z",
             "delivered": 312, "pending": 1, "failed": 0}
            """)]),
        ("WebhookDeliveryView", [new("delivery", "An opt-in delivered on the second attempt", """
            {"id": 9912, "type": "customer.opted_in", "status": 1, "attempts": 2, "lastStatusCode": 200, "lastError": null, "createdAt": "2026-06-15T09:41:00Z",
             "nextAttemptAt": null, "deliveredAt": "2026-06-15T09:42:00Z", "idempotencyKey": "5f0c2a7e9b3d4c1e8a6f2b7d9e0c3a41"}
            """)]),
        (nameof(ProviderWebhooksRequest), [new("postmark", "Bounces from Postmark, behind basic authentication", """
            {"sesTopicArns": [], "postmarkUser": "postmark-hooks", "postmarkPassword": "n7V!q2rT-8wLx", "sendGridPublicKey": null, "mailgunSigningKey": null}
            """)]),
        (nameof(ProviderWebhooksView), [new("postmark", "Postmark set up; the URLs to give each provider", """
            {"sesTopicArns": [], "postmarkUser": "postmark-hooks", "hasPostmarkPassword": true, "hasSendGridKey": false, "hasMailgunKey": false,
             "urls": {"amazonSes": "https://studio.shop.example.com/hooks/ses", "postmark": "https://studio.shop.example.com/hooks/postmark",
                      "sendGrid": "https://studio.shop.example.com/hooks/sendgrid", "mailgun": "https://studio.shop.example.com/hooks/mailgun"}}
            """)]),
        (nameof(BrandBody), [new("brand", "The shop's colours, fonts and logo", """
            {"primaryColor": "#0B6E4F", "textColor": "#1F2933", "backgroundColor": "#F4F6F8", "contentColor": "#FFFFFF", "bodyFont": "Arial", "headingFont": "Georgia",
             "logoUrl": "https://shop.example.com/img/logo.png", "fonts": null}
            """)]),
        (nameof(SendingRulesBody), [new("rules", "At most 2 e-mails a day and 4 a week per customer, none at night", """
            {"maxPerDay": 2, "maxPerWeek": 4, "quietFrom": "21:00", "quietUntil": "08:00", "defaultTimeZone": "Europe/Berlin"}
            """)]),
        (nameof(AutomaticPauseBody), [new("limits", "Pause a campaign at 5% hard bounces or 0.3% complaints", """
            {"hardBounceRate": 0.05, "hardBounceMinimumSent": 200, "complaintRate": 0.003, "complaintMinimumDelivered": 500}
            """)]),
        (nameof(BounceMailboxRequest), [new("imap", "The return address's mailbox, read over IMAP", """
            {"returnAddress": "bounces@shop.example.com", "imapHost": "imap.shop.example.com", "imapPort": 993, "security": "SslOnConnect",
             "imapUser": "bounces@shop.example.com", "password": "Rk4-vW9q!bT2", "protocol": "Imap"}
            """)]),
        (nameof(BounceMailboxView), [new("imap", "The bounce mailbox (the password is never shown)", """
            {"returnAddress": "bounces@shop.example.com", "imapHost": "imap.shop.example.com", "imapPort": 993, "security": "SslOnConnect",
             "imapUser": "bounces@shop.example.com", "hasPassword": true, "protocol": "Imap"}
            """)]),
        (nameof(GrossMarginBody), [new("margin", "40% of revenue is margin", """
            {"margin": 0.4}
            """)]),
    ];
}
