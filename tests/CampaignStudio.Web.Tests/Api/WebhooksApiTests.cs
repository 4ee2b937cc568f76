using System.Net;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>Outbound webhooks over the API: Admin only, the secret once and then only protected, test event, log and retry in words.</summary>
public sealed class WebhooksApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The webhook routes that change something; the test below shows only an admin gets through.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes =
    [
        ("POST", "/api/settings/webhooks/"),
        ("POST", "/api/settings/webhooks/{id:int}/test"),
        ("POST", "/api/settings/webhooks/deliveries/{deliveryId:long}/retry"),
        ("DELETE", "/api/settings/webhooks/{id:int}"),
    ];

    private const string Body = """{"url":"https://shop.example/hooks","events":["OptIn","OptOut","CampaignFinished"]}""";

    [Fact]
    public async Task OnlyAnAdminRegistersEndpointsAndTheSecretIsShownOnceAndStoredProtected()
    {
        foreach (var email in new[] { "manager@demo.local", "marketer@demo.local" })
        {
            var client = await ClientAsync(email);
            (await client.PostAsync("/api/settings/webhooks/", Json(Body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.GetAsync("/api/settings/webhooks/")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.PostAsync("/api/settings/webhooks/1/test", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.PostAsync("/api/settings/webhooks/deliveries/1/retry", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.DeleteAsync("/api/settings/webhooks/1")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
        }

        var admin = await ClientAsync("admin@demo.local");
        var created = await admin.PostAsync("/api/settings/webhooks/", Json(Body));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        var secret = json.RootElement.GetProperty("secret").GetString()!;
        var id = json.RootElement.GetProperty("endpoint").GetProperty("id").GetInt32();
        secret.ShouldStartWith("whsec_");
        (await admin.GetStringAsync("/api/settings/webhooks/")).ShouldNotContain(secret);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.WebhookEndpoints.SingleAsync(e => e.Id == id)).SecretProtected.ShouldNotContain(secret[6..], Case.Sensitive, "kept protected, not in clear");
        }

        var test = await admin.PostAsync($"/api/settings/webhooks/{id}/test", null);
        test.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var deliveryId = long.Parse(await test.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
        using (var log = JsonDocument.Parse(await admin.GetStringAsync($"/api/settings/webhooks/{id}/deliveries")))
        {
            var row = log.RootElement.EnumerateArray().Single();
            row.GetProperty("type").GetString().ShouldBe("test");
            row.GetProperty("id").GetInt64().ShouldBe(deliveryId);
        }

        var retry = await admin.PostAsync($"/api/settings/webhooks/deliveries/{deliveryId}/retry", null);
        retry.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await retry.Content.ReadAsStringAsync()).ShouldContain("Only a failed delivery can be retried");

        // Failed after its last attempt (as the sender leaves it): a retry is queued, 202 with the delivery's id, as a test event is.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.WebhookDeliveries.Where(d => d.Id == deliveryId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, Domain.Webhooks.WebhookDeliveryStatus.Failed));
        }

        var queued = await admin.PostAsync($"/api/settings/webhooks/deliveries/{deliveryId}/retry", null);
        queued.StatusCode.ShouldBe(HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync());
        long.Parse(await queued.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(deliveryId);

        (await admin.DeleteAsync($"/api/settings/webhooks/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.GetAsync($"/api/settings/webhooks/{id}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUnknownEventOrAnAddressThatIsNotAUrlIsRefusedInWords()
    {
        var admin = await ClientAsync("admin@demo.local");

        var badEvent = await admin.PostAsync("/api/settings/webhooks/", Json("""{"url":"https://shop.example/hooks","events":["Purchase"]}"""));
        badEvent.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badEvent.Content.ReadAsStringAsync()).ShouldContain("“Purchase” is not an event");
        var badUrl = await admin.PostAsync("/api/settings/webhooks/", Json("""{"url":"shop.example/hooks","events":["OptIn"]}"""));
        badUrl.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badUrl.Content.ReadAsStringAsync()).ShouldContain("The address must be a full http:// or https:// URL.");
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
