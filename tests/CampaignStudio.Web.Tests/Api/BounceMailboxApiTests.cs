using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class BounceMailboxApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The bounce mailbox route that changes something; the test below shows only an admin gets through.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes = [("PUT", "/api/settings/bounce-mailbox")];

    private const string Body = """
        {"returnAddress":"bounces@bounce.shop.example","imapHost":"imap.shop.example","imapPort":993,"security":"SslOnConnect","imapUser":"bounces","password":"imap-secret-123"}
        """;

    [Fact]
    public async Task OnlyAnAdminSetsTheBounceMailboxAndThePasswordIsStoredEncryptedAndNeverShown()
    {
        foreach (var email in new[] { "manager@demo.local", "marketer@demo.local" })
        {
            (await (await ClientAsync(email)).PutAsync("/api/settings/bounce-mailbox", Json(Body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
        }

        var admin = await ClientAsync("admin@demo.local");
        var saved = await admin.PutAsync("/api/settings/bounce-mailbox", Json(Body));

        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var view = await (await ClientAsync("marketer@demo.local")).GetFromJsonAsync<BounceMailboxView>("/api/settings/bounce-mailbox");
        view.ShouldBe(new BounceMailboxView("bounces@bounce.shop.example", "imap.shop.example", 993, MailboxSecurity.SslOnConnect, "bounces", HasPassword: true));
        (await admin.GetStringAsync("/api/settings/bounce-mailbox")).ShouldNotContain("imap-secret-123");
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.Settings.AnyAsync(s => s.Value != null && s.Value.Contains("imap-secret-123"))).ShouldBeFalse("the password is kept protected, not in clear");
        }

        // Saving without a password keeps the stored one; a return address with a '+' is refused.
        (await admin.PutAsync("/api/settings/bounce-mailbox", Json(Body.Replace(",\"password\":\"imap-secret-123\"", "", StringComparison.Ordinal)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetFromJsonAsync<BounceMailboxView>("/api/settings/bounce-mailbox"))!.HasPassword.ShouldBeTrue();
        (await admin.PutAsync("/api/settings/bounce-mailbox", Json(Body.Replace("bounces@", "bounces+x@", StringComparison.Ordinal)))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
