using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CampaignStudio.Data;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class ProviderWebhooksApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The provider webhook route that changes something; the test below shows only an admin gets through.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes = [("PUT", "/api/settings/provider-webhooks")];

    [Fact]
    public async Task OnlyAnAdminSetsProviderWebhooksAndTheKeysAreStoredEncryptedAndNeverShown()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var sendGridKey = Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());
        var body = new
        {
            sesTopicArns = new[] { "arn:aws:sns:eu-central-1:123456789012:bounces" },
            postmarkUser = "hook",
            postmarkPassword = "postmark-secret-0123456789",
            sendGridPublicKey = sendGridKey,
            mailgunSigningKey = "mailgun-secret-0123456789",
        };
        foreach (var email in new[] { "manager@demo.local", "marketer@demo.local" })
        {
            var client = await ClientAsync(email);
            (await client.PutAsJsonAsync("/api/settings/provider-webhooks", body)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.GetAsync("/api/settings/provider-webhooks")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
        }

        var admin = await ClientAsync("admin@demo.local");
        (await admin.PutAsJsonAsync("/api/settings/provider-webhooks", body)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var text = await admin.GetStringAsync("/api/settings/provider-webhooks");
        foreach (var secret in new[] { "postmark-secret-0123456789", "mailgun-secret-0123456789", sendGridKey })
        {
            text.ShouldNotContain(secret);
        }

        var view = (await admin.GetFromJsonAsync<ProviderWebhooksView>("/api/settings/provider-webhooks"))!;
        view.SesTopicArns.ShouldBe(["arn:aws:sns:eu-central-1:123456789012:bounces"]);
        (view.PostmarkUser, view.HasPostmarkPassword, view.HasSendGridKey, view.HasMailgunKey).ShouldBe(("hook", true, true, true));
        view.Urls.AmazonSes.ShouldEndWith("/webhooks/amazon-ses");
        view.Urls.Mailgun.ShouldEndWith("/webhooks/mailgun");
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.Settings.AnyAsync(s => s.Value != null && (s.Value.Contains("postmark-secret") || s.Value.Contains("mailgun-secret") || s.Value.Contains(sendGridKey))))
                .ShouldBeFalse("the keys are kept protected, not in clear");
        }

        // A missing field keeps what is stored; unusable values are refused with the reason.
        (await admin.PutAsJsonAsync("/api/settings/provider-webhooks", new { postmarkUser = "hook2" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetFromJsonAsync<ProviderWebhooksView>("/api/settings/provider-webhooks"))!.HasMailgunKey.ShouldBeTrue();
        var refused = await admin.PutAsJsonAsync("/api/settings/provider-webhooks", new { sesTopicArns = new[] { "not-a-topic" }, sendGridPublicKey = "bm90IGEga2V5" });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var reasons = await refused.Content.ReadAsStringAsync();
        reasons.ShouldContain("not an SNS topic ARN");
        reasons.ShouldContain("not a public key");
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }
}
